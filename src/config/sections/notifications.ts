import { z } from 'zod';
import { NOTIFICATION_KINDS } from '../../domain/notifications.js';
import { integer, jsonList, nonEmptyString, oneOf, url } from '../fields.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SECRET_MIN = 32;

const webhook = z
  .strictObject({
    name: z.string({ error: 'expected a name' }).regex(NAME, { error: 'expected a name of letters, digits, - and _ (at most 63)' }),
    url: url(['http', 'https']),
    format: oneOf(['json', 'slack']).default('json'),
    events: z
      .array(oneOf(NOTIFICATION_KINDS), { error: 'expected a list of event kinds' })
      .min(1)
      .default([...NOTIFICATION_KINDS]),
    secret: nonEmptyString('a secret')
      .refine((s) => s.length >= SECRET_MIN, {
        error: `expected a secret of at least ${String(SECRET_MIN)} characters (openssl rand -hex 32)`,
      })
      .optional(),
  })
  .refine((w) => w.format !== 'json' || w.secret !== undefined, {
    error: 'a json webhook needs a secret (receivers verify the Rolegate-Signature with it)',
    path: ['secret'],
  });

/** Notifications (docs/just-in-time.md#notifications): webhooks for access requests, grants, break-glass and revocations. */
export const notifications = z
  .strictObject({
    webhooks: jsonList(webhook, 'webhooks')
      .default([])
      .meta({
        env: ['ROLEGATE_NOTIFICATION_WEBHOOKS'],
        secret: true,
        description: `Where notifications go. Each: name (used in logs and metrics, never the URL), url, format (json: the event signed with Rolegate-Signature; slack: a Slack incoming-webhook message), events (the kinds it takes, default all: ${NOTIFICATION_KINDS.join(', ')}) and secret (at least ${String(SECRET_MIN)} characters; required for json, optional for slack). Production mode refuses plain-http URLs.`,
      }),
    maxAttempts: integer(1, 100)
      .default(12)
      .meta({
        env: ['ROLEGATE_NOTIFICATION_MAX_ATTEMPTS'],
        description:
          'Delivery attempts per notification and webhook; after the last one fails the notification is dead (kept, counted in rolegate_notifications{state="dead"}).',
      }),
    backoffBaseMs: integer(10, 3_600_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_NOTIFICATION_BACKOFF_BASE_MS'],
        description:
          'Back-off after the first failed attempt; it doubles with each further failure (full jitter: a random wait from 0 to that).',
      }),
    backoffMaxMs: integer(10, 86_400_000)
      .default(3_600_000)
      .meta({ env: ['ROLEGATE_NOTIFICATION_BACKOFF_MAX_MS'], description: 'The longest back-off between two attempts.' }),
    timeoutMs: integer(100, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_NOTIFICATION_TIMEOUT_MS'],
        description: 'How long one delivery may take, from connecting to the end of the answer; then it counts as failed.',
      }),
    pollIntervalMs: integer(50, 60_000)
      .default(1000)
      .meta({
        env: ['ROLEGATE_NOTIFICATION_POLL_MS'],
        description: 'How often each instance looks for notifications due (every instance delivers; each notification goes to one).',
      }),
    retainDeliveredDays: integer(1, 365)
      .default(7)
      .meta({
        env: ['ROLEGATE_NOTIFICATION_RETAIN_DAYS'],
        description: 'Delivered notifications are deleted from the outbox after this many days.',
      }),
  })
  .prefault({});

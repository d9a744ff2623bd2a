import { OutboxWriter, PgNotificationOutbox } from '../adapters/db/pg-notification-outbox.js';
import { FetchWebhookSender } from '../adapters/notifications/fetch-webhook-sender.js';
import type { NotificationKind } from '../domain/notifications.js';
import { NotificationDispatcher, type WebhookTarget } from '../features/notifications/dispatcher.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

export interface Notifications {
  /** Writes a state change's notifications in its own transaction (the access-request store). */
  writer: OutboxWriter;
  /** The outbox: events outside a transaction, and the counts the metrics read. */
  outbox: PgNotificationOutbox;
  dispatcher: NotificationDispatcher;
}

/**
 * Webhook notifications (docs/just-in-time.md#notifications): the outbox, its
 * routes (which webhooks take which event kinds, from notifications.webhooks)
 * and this instance's dispatcher, started here and stopped on close. Without
 * webhooks, nothing is written and the dispatcher never starts.
 */
export function buildNotifications(platform: Platform, steps: StartupSteps): Notifications | undefined {
  const { config, metrics, logger, clock } = platform;
  const settings = config.notifications;
  if (settings.webhooks.length === 0) return undefined;
  const targets = new Map<string, WebhookTarget>(settings.webhooks.map((w) => [w.name, w]));
  const routes = new Map<NotificationKind, string[]>();
  for (const w of settings.webhooks) for (const kind of w.events) routes.set(kind, [...(routes.get(kind) ?? []), w.name]);
  const writer = new OutboxWriter((kind) => routes.get(kind) ?? []);
  const outbox = new PgNotificationOutbox(platform.database.prisma, writer);
  const dispatcher = new NotificationDispatcher({
    outbox,
    sender: new FetchWebhookSender(),
    targets,
    publicUrl: config.server.publicUrl,
    clock,
    logger,
    observer: {
      attempted: (target, outcome, seconds) => {
        metrics.notificationAttempts.inc({ target, outcome });
        metrics.notificationDeliverySeconds.observe({ target, outcome }, seconds);
      },
    },
    settings: {
      maxAttempts: settings.maxAttempts,
      backoffBaseMs: settings.backoffBaseMs,
      backoffMaxMs: settings.backoffMaxMs,
      timeoutMs: settings.timeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      batchSize: 10,
      retainDeliveredMs: settings.retainDeliveredDays * 86_400_000,
    },
  });
  dispatcher.start();
  steps.onClose('the notification dispatcher', () => dispatcher.stop());
  logger.info(
    { webhooks: settings.webhooks.map((w) => ({ name: w.name, format: w.format, events: w.events.length })) },
    'notifications on',
  );
  return { writer, outbox, dispatcher };
}

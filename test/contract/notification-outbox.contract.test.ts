import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { OutboxWriter, PgNotificationOutbox } from '../../src/adapters/db/pg-notification-outbox.js';
import { FetchWebhookSender } from '../../src/adapters/notifications/fetch-webhook-sender.js';
import type { NotificationEvent } from '../../src/domain/notifications.js';
import { Secret } from '../../src/domain/secret.js';
import { NotificationDispatcher } from '../../src/features/notifications/dispatcher.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const event = (): NotificationEvent => ({
  id: randomUUID(),
  kind: 'access.revoked',
  occurredAt: new Date().toISOString(),
  actor: 'corp:bob',
  details: { scope: 'user' },
});
const LONG_LEASE_MS = 600_000;

describe.each(databaseImplementations({ poolSize: 4 }))('NotificationOutbox contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let outbox: PgNotificationOutbox;
  let writer: OutboxWriter;
  // PGlite starts slowly when the machine is busy (several suites share it): give it two minutes.
  beforeAll(async () => {
    ({ database, close } = await create());
    writer = new OutboxWriter(() => ['siem']);
    outbox = new PgNotificationOutbox(database.prisma, writer);
  }, 120_000);
  afterAll(async () => {
    await close();
  });

  /** Claims until nothing is due (rows of earlier tests are leased for long, so each test sees its own). */
  const drain = async () => {
    while ((await outbox.claim(100, LONG_LEASE_MS)).length > 0);
  };

  it('when the transaction that enqueued an event rolls back, then there is nothing to deliver', async () => {
    await drain();
    const rolledBack = event();
    await expect(
      database.prisma.$transaction(async (tx) => {
        await writer.write(tx, [rolledBack]);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    expect(await outbox.claim(100, LONG_LEASE_MS)).toEqual([]);
    expect(await outbox.counts()).toEqual({ pending: 0, dead: 0 });
    // The same write committed is there to deliver.
    const committed = event();
    await database.prisma.$transaction(async (tx) => writer.write(tx, [committed]));
    expect((await outbox.claim(100, LONG_LEASE_MS)).map((c) => c.event.id)).toEqual([committed.id]);
  });

  it('when two workers claim at once, then each row goes to exactly one of them', async () => {
    await drain();
    const events = Array.from({ length: 40 }, event);
    await outbox.enqueue(events);
    const other = new PgNotificationOutbox(database.prisma, writer);
    const [a, b] = await Promise.all([outbox.claim(25, LONG_LEASE_MS), other.claim(25, LONG_LEASE_MS)]);
    const ids = (claimed: typeof a) => claimed.map((c) => c.event.id);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
    expect([...ids(a), ...ids(b)].sort()).toEqual(events.map((e) => e.id).sort());
    expect([...a, ...b].every((c) => c.attempts === 1 && c.target === 'siem')).toBe(true);
  });

  it('when a claim’s lease runs out undelivered (a worker died), then the row is claimed again, its attempt counted', async () => {
    await drain();
    const lost = event();
    await outbox.enqueue([lost]);
    const [first] = await outbox.claim(10, 200);
    expect(first?.event.id).toBe(lost.id);
    // Leased: not due to anyone until the lease ends (the database's clock).
    expect(await outbox.claim(10, LONG_LEASE_MS)).toEqual([]);
    const again = await waitFor(async () => {
      const [row] = await outbox.claim(10, LONG_LEASE_MS);
      return row;
    }, 'the row claimable once its lease ended');
    expect(again).toMatchObject({ id: first?.id, attempts: 2, event: { id: lost.id } });
    // Delivered by the second worker: done, never due again.
    await outbox.delivered(again.id);
    expect(
      await database.prisma.$queryRawUnsafe<{ state: string }[]>(`SELECT state FROM notification_outbox WHERE id = $1::uuid`, again.id),
    ).toEqual([{ state: 'delivered' }]);
  });

  it('when every attempt fails, then the dispatcher dead-letters the row after the last one, and it is never claimed again', async () => {
    await drain();
    const receiver = await startWebhookReceiver();
    receiver.behave('fail');
    const maxAttempts = 3;
    const dispatcher = new NotificationDispatcher({
      outbox,
      sender: new FetchWebhookSender(),
      targets: new Map([['siem', { name: 'siem', url: new Secret(receiver.url()), format: 'json', events: ['access.revoked'] }]]),
      publicUrl: new URL('http://127.0.0.1:1'),
      clock: { now: () => Date.now() },
      logger: captureLogs().logger,
      observer: { attempted: () => undefined },
      settings: {
        maxAttempts,
        backoffBaseMs: 10,
        backoffMaxMs: 20,
        timeoutMs: 2000,
        pollIntervalMs: 10,
        batchSize: 10,
        retainDeliveredMs: 60_000,
      },
      random: () => 0,
    });
    try {
      const doomed = event();
      const deadBefore = (await outbox.counts()).dead;
      await outbox.enqueue([doomed]);
      const row = async () =>
        (
          await database.prisma.$queryRawUnsafe<{ state: string; attempts: number; last_error: string | null }[]>(
            `SELECT state, attempts, last_error FROM notification_outbox WHERE event_id = $1::uuid`,
            doomed.id,
          )
        )[0];
      // Each run delivers what is due; the back-off (0 with this jitter) makes the row due again at once.
      const dead = await waitFor(async () => {
        await dispatcher.runOnce();
        const now = await row();
        return now?.state === 'dead' ? now : undefined;
      }, 'the row dead-lettered');
      expect(dead).toEqual({ state: 'dead', attempts: maxAttempts, last_error: 'HTTP 500: receiver broke' });
      expect(receiver.received.filter((r) => r.body.includes(doomed.id))).toHaveLength(maxAttempts);
      expect(await outbox.claim(100, LONG_LEASE_MS)).toEqual([]);
      expect((await outbox.counts()).dead).toBe(deadBefore + 1);
    } finally {
      await receiver.close();
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/domain/notifications.js';
import { startSecondInstance } from '../support/app.js';
import { DEMO_MAPPINGS, PROD, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { waitFor } from '../support/wait.js';
import { startWebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';
import { loadDocumentedVerifier } from '../support/webhook-verifier.js';

const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;
const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: ADMIN,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h' },
};
const TIMEOUT_MS = 2000;
const MAX_ATTEMPTS = 5;

interface OutboxRow {
  target: string;
  kind: string;
  state: string;
  attempts: number;
  last_error: string | null;
  request_id: string | null;
}

describe('notifications (webhooks)', () => {
  const siemSecret = randomBytes(32).toString('hex');
  const otherSecret = randomBytes(32).toString('hex');
  const slackToken = `SLACKTOKEN${randomBytes(12).toString('hex')}`;
  let siem: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let slack: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let failing: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let hanging: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let world: ExchangeWorld;
  let alice: SignedIn;
  let bob: SignedIn;

  const request = () =>
    alice.api('/api/v1/access-requests', {
      method: 'POST',
      body: { alias: 'prod', role: 'Admin', duration: '20m', reason: 'rotate the prod database password' },
    });
  const decide = (who: SignedIn, id: string, action: 'approve' | 'cancel') =>
    who.api(`/api/v1/access-requests/${id}/${action}`, { method: 'POST', body: {} });
  const eventsOf = (received: ReceivedWebhook[]) => received.map((r) => JSON.parse(r.body) as NotificationEvent & { url?: string });
  const outbox = () =>
    world.app.t.deps.database.prisma.$queryRawUnsafe<OutboxRow[]>(
      `SELECT target, kind, state, attempts, last_error, payload->'request'->>'id' AS request_id FROM notification_outbox`,
    );
  const rowFor = async (target: string, kind: string, requestId: string) =>
    (await outbox()).find((r) => r.target === target && r.kind === kind && r.request_id === requestId);
  const created = async () => {
    const res = await request();
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    const documented = await loadDocumentedVerifier();
    const check = (secret: string) => (headers: Record<string, unknown>, body: string) => documented(secret, headers, body);
    [siem, slack, failing, hanging] = await Promise.all([
      startWebhookReceiver(check(siemSecret)),
      startWebhookReceiver(),
      startWebhookReceiver(),
      startWebhookReceiver(),
    ]);
    failing.behave('fail');
    hanging.behave('hang');
    const webhooks = [
      { name: 'siem', url: siem.url('/hooks/rolegate'), format: 'json', secret: siemSecret },
      { name: 'chat', url: slack.url(`/services/T000/B000/${slackToken}`), format: 'slack', events: ['access_request.created'] },
      { name: 'broken', url: failing.url(), format: 'json', secret: otherSecret, events: ['access_request.created'] },
      { name: 'stuck', url: hanging.url(), format: 'json', secret: otherSecret, events: ['access_request.approved'] },
    ];
    world = await startExchangeWorld(
      {
        ROLEGATE_NOTIFICATION_WEBHOOKS: JSON.stringify(webhooks),
        ROLEGATE_NOTIFICATION_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        ROLEGATE_NOTIFICATION_BACKOFF_BASE_MS: '50',
        ROLEGATE_NOTIFICATION_BACKOFF_MAX_MS: '200',
        ROLEGATE_NOTIFICATION_TIMEOUT_MS: String(TIMEOUT_MS),
        ROLEGATE_NOTIFICATION_POLL_MS: '50',
      },
      [...DEMO_MAPPINGS, ELIGIBLE_ADMIN],
    );
    [alice, bob] = await Promise.all([world.signIn('alice'), world.signIn('bob')]);
  }, 90_000);
  afterAll(async () => {
    await world.close();
    await Promise.all([siem.close(), slack.close(), failing.close(), hanging.close()]);
  });

  it('when a request is created, approved (active at once) and cancelled, then the JSON webhook gets each event, signed, with the request page', async () => {
    const id = await created();
    expect((await decide(bob, id, 'approve')).status).toBe(200);
    expect((await decide(alice, id, 'cancel')).status).toBe(200);

    const kinds = ['access_request.created', 'access_request.approved', 'access_grant.activated', 'access_request.cancelled', 'access_grant.ended'];
    const mine = await waitFor(() => {
      const events = eventsOf(siem.received).filter((e) => e.request?.id === id);
      return events.length >= kinds.length ? events : undefined;
    }, 'five events about the request at the JSON webhook');
    expect(mine.map((e) => e.kind).sort()).toEqual([...kinds].sort());
    const byKind = new Map(mine.map((e) => [e.kind, e]));
    expect(byKind.get('access_request.created')).toMatchObject({ actor: 'demo:alice', request: { state: 'pending', requester: 'demo:alice' } });
    expect(byKind.get('access_request.approved')).toMatchObject({ actor: 'demo:bob', request: { state: 'active', decidedBy: 'demo:bob' } });
    expect(byKind.get('access_grant.ended')).toMatchObject({ actor: 'demo:alice', request: { state: 'cancelled', endReason: 'cancelled' } });
    for (const e of mine) expect(e.url).toBe(`${world.app.url}/portal/requests/${id}`);

    const deliveries = siem.received.filter((r) => (JSON.parse(r.body) as NotificationEvent).request?.id === id);
    for (const delivery of deliveries) {
      expect(delivery.verdict).toBe('valid');
      expect(delivery.path).toBe('/hooks/rolegate');
      expect(delivery.headers['rolegate-event-id']).toBe((JSON.parse(delivery.body) as NotificationEvent).id);
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    // The documented receiver refuses the same delivery replayed later, a duplicate, and a forged body.
    const first = deliveries[0];
    if (!first) throw new Error('no delivery');
    const fresh = await loadDocumentedVerifier();
    expect(fresh(siemSecret, first.headers, first.body)).toBe('valid');
    expect(fresh(siemSecret, first.headers, first.body)).toBe('duplicate');
    expect(fresh(siemSecret, first.headers, first.body, Date.now() + 10 * 60_000)).toBe('invalid');
    expect(fresh(siemSecret, { ...first.headers, 'rolegate-event-id': randomUUID() }, first.body.replace('demo:alice', 'demo:mallory'))).toBe(
      'invalid',
    );
    expect(fresh(otherSecret, { ...first.headers, 'rolegate-event-id': randomUUID() }, first.body)).toBe('invalid');

    // Slack: only the kinds it takes, as {text, blocks} with a button to the request page.
    const chat = await waitFor(
      () => slack.received.find((r) => r.body.includes(id)),
      'the Slack message about the request',
    );
    const message = JSON.parse(chat.body) as { text: string; blocks: { type: string; elements?: { url?: string }[] }[] };
    expect(message.text).toContain('Access requested: alice');
    expect(message.blocks.find((b) => b.type === 'actions')?.elements?.[0]?.url).toBe(`${world.app.url}/portal/requests/${id}`);
    expect(slack.received.every((r) => (r.headers['rolegate-event'] as string) === 'access_request.created')).toBe(true);
  });

  it('when the receiver is down for a while, then the event is delivered once it is back, after retries', async () => {
    await siem.down();
    const id = await created();
    const retried = await waitFor(async () => {
      const row = await rowFor('siem', 'access_request.created', id);
      return row && row.attempts >= 2 ? row : undefined;
    }, 'two failed attempts while the receiver is down');
    expect(retried).toMatchObject({ state: 'pending', last_error: expect.stringMatching(/cannot connect: ECONNREFUSED/) as unknown });
    await siem.up();
    const delivered = await waitFor(async () => {
      const row = await rowFor('siem', 'access_request.created', id);
      return row?.state === 'delivered' ? row : undefined;
    }, 'the event delivered after the receiver came back');
    expect(delivered.attempts).toBeGreaterThanOrEqual(3);
    expect(delivered.last_error).toBeNull();
    const arrived = eventsOf(siem.received).filter((e) => e.request?.id === id && e.kind === 'access_request.created');
    expect(arrived).toHaveLength(1);
    expect((await decide(alice, id, 'cancel')).status).toBe(200);
  });

  it('when a receiver answers 500 or hangs, then requests and approvals answer at once, and the events are dead-lettered after the last attempt', async () => {
    const id = await created();
    const started = performance.now();
    const approved = await decide(bob, id, 'approve');
    const approvalMs = performance.now() - started;
    expect(approved.status).toBe(200);
    // The stuck webhook is holding the approval's delivery open while the API answers others.
    await waitFor(() => (hanging.hangingNow > 0 ? true : undefined), 'the hanging receiver holding a delivery');
    const during = performance.now();
    const listed = await alice.api('/api/v1/access-requests');
    expect(listed.status).toBe(200);
    expect(hanging.hangingNow).toBeGreaterThan(0);
    expect(performance.now() - during).toBeLessThan(TIMEOUT_MS);
    expect(approvalMs).toBeLessThan(TIMEOUT_MS);

    const broken = await waitFor(async () => {
      const row = await rowFor('broken', 'access_request.created', id);
      return row?.state === 'dead' ? row : undefined;
    }, 'the 500 receiver dead-lettered', 30_000);
    expect(broken).toMatchObject({ attempts: MAX_ATTEMPTS, last_error: 'HTTP 500: receiver broke' });
    const stuck = await waitFor(
      async () => {
        const row = await rowFor('stuck', 'access_request.approved', id);
        return row?.state === 'dead' ? row : undefined;
      },
      'the hanging receiver dead-lettered',
      60_000,
    );
    expect(stuck).toMatchObject({ attempts: MAX_ATTEMPTS, last_error: `no answer within ${String(TIMEOUT_MS)} ms` });
    expect(failing.received.filter((r) => r.body.includes(id))).toHaveLength(MAX_ATTEMPTS);

    const metrics = (await world.app.t.deps.metrics.scrape()).text;
    expect(metrics).toMatch(/rolegate_notification_attempts_total\{target="broken",outcome="dead"\} [1-9]/);
    expect(metrics).toMatch(/rolegate_notification_attempts_total\{target="siem",outcome="delivered"\} [1-9]/);
    expect(metrics).toMatch(/rolegate_notifications\{state="dead"\} [1-9]/);
    expect(metrics).toMatch(/rolegate_notification_delivery_seconds_count\{target="stuck",outcome="dead"\} [1-9]/);
    expect((await decide(alice, id, 'cancel')).status).toBe(200);
  }, 90_000);

  it('when two instances deliver from one database, then each event arrives exactly once', async () => {
    const second = await startSecondInstance(world.app.t);
    try {
      const ids: string[] = Array.from({ length: 40 }, () => randomUUID());
      const outboxOf = world.app.t.deps.notifications?.outbox;
      if (!outboxOf) throw new Error('notifications not wired');
      await outboxOf.enqueue(
        ids.map((eventId) => ({ id: eventId, kind: 'access.revoked', occurredAt: new Date().toISOString(), actor: 'demo:bob', details: { scope: 'user' } })),
      );
      await waitFor(() => {
        const got = new Set(eventsOf(siem.received).map((e) => e.id));
        return ids.every((i) => got.has(i)) ? true : undefined;
      }, 'all 40 events at the receiver', 30_000);
      // The receiver has them all; each row is marked delivered once its answer is in.
      const rows = await waitFor(async () => {
        const found = await world.app.t.deps.database.prisma.$queryRawUnsafe<{ state: string; attempts: number }[]>(
          `SELECT state, attempts FROM notification_outbox WHERE event_id = ANY($1::uuid[])`,
          ids,
        );
        return found.every((r) => r.state === 'delivered') ? found : undefined;
      }, 'all 40 rows delivered');
      expect(rows).toHaveLength(40);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      const counts = new Map<string, number>();
      for (const e of eventsOf(siem.received)) if (ids.includes(e.id)) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(counts.size).toBe(40);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('when break-glass is used, then the webhook is told at once; and no secret or webhook URL path is ever logged', async () => {
    const justification = `INC-${randomUUID().slice(0, 8)} database is down`;
    const res = await bob.api('/api/v1/credentials', { method: 'POST', body: { alias: 'prod', role: 'BreakGlass', justification } });
    expect(res.status).toBe(200);
    const event = await waitFor(
      () => eventsOf(siem.received).find((e) => e.kind === 'break_glass.used' && e.details?.justification === justification),
      'the break-glass notification',
    );
    expect(event).toMatchObject({ actor: 'demo:bob', details: { roleArn: `arn:aws:iam::${PROD}:role/breakglass/BreakGlass`, accountId: PROD } });

    const logs = world.app.t.logs.text();
    expect(logs).toContain('notification not delivered; retrying');
    for (const secret of [siemSecret, otherSecret, slackToken, '/hooks/rolegate']) expect(logs).not.toContain(secret);
    expect(JSON.stringify(world.app.t.config)).not.toContain(siemSecret);
    expect(JSON.stringify(world.app.t.config)).not.toContain(slackToken);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecondInstance } from '../support/app.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { auditRows } from '../support/login-app.js';
import { waitFor } from '../support/wait.js';

// Two instances sharing PostgreSQL and Redis, with a short exchange lock. The
// test plays a third instance whose exchange for alice's role stalls while it
// holds the lock (what a longer lockTtlMs on one instance during a rolling
// change, or a paused VM, looks like to the others), and one that announces
// outcomes other versions may not understand.
const LOCK_TTL_MS = 2000;
let world: ExchangeWorld;
let second: Awaited<ReturnType<typeof startSecondInstance>>;
let alice: SignedIn;
let cacheKey: string;
let lockKey: string;
let doneChannel: string;

beforeAll(async () => {
  world = await startExchangeWorld({ ROLEGATE_EXCHANGE_LOCK_TTL_MS: String(LOCK_TTL_MS), ROLEGATE_STS_RETRY_BUDGET_MS: '1500' });
  second = await startSecondInstance(world.app.t);
  alice = await world.signIn('alice');
  const me = (await (await alice.api('/api/v1/me')).json()) as { id: string };
  const role = await world.app.t.deps.database.prisma.role.findFirstOrThrow({ where: { arn: `arn:aws:iam::${SANDBOX}:role/Developer` } });
  cacheKey = world.app.t.deps.credentials.cache.keyOf({ principalId: me.id, roleId: role.id, durationSeconds: 3600 });
  lockKey = `flight:credentials:lock:${cacheKey}`;
  doneChannel = `flight:credentials:done:${cacheKey}`;
}, 90_000);
afterAll(async () => {
  await second.close();
  await world.close();
});

const askOnSecond = () =>
  alice.browser.request(`${second.url}/api/v1/credentials`, {
    method: 'POST',
    body: JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: 3600 }),
    headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken },
  });

/** Holds the exchange lock as a stalled exchange elsewhere would; released by the returned function. */
async function holdLock(): Promise<() => Promise<void>> {
  const kv = world.app.t.deps.kv;
  expect(await kv.setIfAbsent(lockKey, 'stalled-exchange-elsewhere', 60_000)).toBe(true);
  return async () => {
    await kv.delete(lockKey);
  };
}

describe('waiting for another instance’s exchange', () => {
  it('when the lock stays held past every wait, then the answer is 503 with Retry-After, no credentials and no 500', async () => {
    const release = await holdLock();
    try {
      const startedAt = Date.now();
      const answer = await askOnSecond();
      const elapsed = Date.now() - startedAt;
      expect(answer.status).toBe(503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await answer.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringMatching(/try again/) as unknown });
      expect(body).not.toHaveProperty('credentials');
      // Three lock lifetimes of waiting, then the answer: bounded.
      expect(elapsed).toBeLessThan(3 * LOCK_TTL_MS + 3000);
      expect((await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.outcome === 'success')).toHaveLength(0);
    } finally {
      await release();
    }
    // Once the holder is gone, the next request exchanges.
    expect((await askOnSecond()).status).toBe(200);
    // Through the second instance, so its near cache drops the entry at once: the next tests must miss.
    await second.deps.kv.delete(cacheKey);
  }, 30_000);

  it.each([
    ['an unknown error code', JSON.stringify({ ok: false, error: { code: 'bogus_code', message: 'from a newer version' } })],
    ['an inherited property name as the code', JSON.stringify({ ok: false, error: { code: '__proto__', message: 'x' } })],
    ['"constructor" as the code', JSON.stringify({ ok: false, error: { code: 'constructor', message: 'x' } })],
    ['"toString" as the code', JSON.stringify({ ok: false, error: { code: 'toString', message: 'x' } })],
    ['a code that is not a string', JSON.stringify({ ok: false, error: { code: 503, message: 'x' } })],
    ['no error at all', JSON.stringify({ ok: false })],
    ['text that is not JSON', 'not json {'],
    ['JSON that is not an object', '"ok"'],
  ])('when the holder announces %s, then the waiting request is 503 with Retry-After, never 500', async (_what, message) => {
    const flights = second.deps.credentials.flights;
    const release = await holdLock();
    try {
      const answer = askOnSecond();
      await waitFor(() => (flights.waiting === 1 ? true : undefined), 'the request to wait for the holder', 5000, 5);
      await world.app.t.deps.kv.publish(doneChannel, message);
      const response = await answer;
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
      expect(await response.json()).toMatchObject({ code: 'dependency_unavailable' });
    } finally {
      await release();
    }
  });

  it('when the holder announces a known error, then the waiting request answers with that error', async () => {
    const flights = second.deps.credentials.flights;
    const release = await holdLock();
    try {
      const answer = askOnSecond();
      await waitFor(() => (flights.waiting === 1 ? true : undefined), 'the request to wait for the holder', 5000, 5);
      await world.app.t.deps.kv.publish(
        doneChannel,
        JSON.stringify({ ok: false, error: { code: 'sts_access_denied', message: 'Not authorized to perform sts:AssumeRoleWithSAML' } }),
      );
      const response = await answer;
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        code: 'sts_access_denied',
        detail: expect.stringMatching(/Not authorized/) as unknown,
      });
    } finally {
      await release();
    }
  });
});

import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from '../support/login-app.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { MASTER_NAME, SentinelDeployment } from '../support/redis-sentinel.js';
import { waitFor } from '../support/wait.js';

// rolegate on a Redis Sentinel deployment of this file's own (a primary, a
// replica, a sentinel on loopback). A failover forced while credentials
// requests keep coming: rolegate follows the new primary without a restart;
// in between, requests are answered 200 or a clean 503, never a 500; every
// 200 has its audit row (PostgreSQL); and nothing read before the failover is
// answered from the near cache after it (invalidations may have been lost).

let deployment: SentinelDeployment;
let world: ExchangeWorld;
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  deployment = await SentinelDeployment.start();
  world = await startExchangeWorld({
    // The URL's host and port are replaced by the primary the sentinel names (here: the same, at first).
    REDIS_URL: deployment.primary.url,
    ROLEGATE_REDIS_SENTINELS: deployment.sentinelAddress,
    ROLEGATE_REDIS_SENTINEL_MASTER: MASTER_NAME,
    // Copies live long enough that only the flush on failover can explain bob's 401 below.
    ROLEGATE_REDIS_NEAR_CACHE_MS: '60000',
  });
  alice = await world.signIn('alice');
  bob = await world.signIn('bob');
}, 120_000);

afterAll(async () => {
  await world.close();
  await deployment.stop();
});

interface Answer {
  status: number;
  code?: string;
  hasCredentials: boolean;
  retryAfter: string | null;
}

async function ask(): Promise<Answer> {
  const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'sandbox', role: 'Developer' } });
  const body = (await res.json()) as { code?: string; credentials?: unknown };
  return { status: res.status, code: body.code, hasCredentials: body.credentials !== undefined, retryAfter: res.headers.get('retry-after') };
}

describe('Redis Sentinel failover under load', () => {
  it('when the sentinel promotes the replica, then rolegate follows it without a restart: bounded 503s, no 500, an audit row per 200', async () => {
    expect((await ask()).status).toBe(200);
    const answers: Answer[] = [];
    const state = { stop: false };
    const workers = Array.from({ length: 4 }, async () => {
      while (!state.stop) answers.push(await ask());
    });
    try {
      await waitFor(() => (answers.length >= 20 ? true : undefined), 'requests before the failover', 20_000);
      const before = answers.length;
      // bob's session is now in rolegate's near cache; he makes no request until after the failover.
      expect((await bob.api('/api/v1/roles')).status).toBe(200);
      await deployment.sentinel(['SENTINEL', 'FAILOVER', MASTER_NAME]);
      await waitFor(async () => ((await deployment.primaryPort()) === deployment.replica.port ? true : undefined), 'the promotion', 30_000, 100);
      await waitFor(
        () => (world.app.t.logs.lines().some((l) => String(l.msg).startsWith('redis primary moved (Sentinel)')) ? true : undefined),
        'rolegate to follow the new primary',
        20_000,
        50,
      );
      // Steady again: 30 answers in a row that are 200, after the move.
      const moved = answers.length;
      await waitFor(
        () => (answers.length - moved >= 30 && answers.slice(-30).every((a) => a.status === 200) ? true : undefined),
        'credentials to flow from the new primary',
        30_000,
        50,
      );
      expect(answers.length).toBeGreaterThan(before);
    } finally {
      state.stop = true;
      await Promise.all(workers);
    }

    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    // Each refusal tells the client when to come back, as PostgreSQL's do.
    for (const refusal of answers.filter((a) => a.status === 503))
      expect(refusal).toMatchObject({ code: 'dependency_unavailable', hasCredentials: false, retryAfter: '2' });
    // Bounded: the failover costs a few requests per worker, not a stream of them.
    expect(statuses.get(503) ?? 0).toBeLessThanOrEqual(40);
    // No audit row, no credentials: every 200 (and the first one) has its row.
    const issued = await auditRows(world.app.t, 'credentials.issue');
    expect(issued.filter((row) => row.outcome === 'success').length).toBeGreaterThanOrEqual((statuses.get(200) ?? 0) + 1);
    // The (former) replica now takes rolegate's writes.
    const onNewPrimary = createClient({ url: deployment.replica.url });
    await onNewPrimary.connect();
    try {
      expect(await onNewPrimary.sendCommand(['ROLE'])).toEqual(expect.arrayContaining(['master']));
      // Nothing read before the failover is answered from memory after it: bob's session, near-cached
      // before and not read since, deleted on the new primary, is gone at his very next request.
      const sessionKeys: string[] = [];
      for await (const keys of onNewPrimary.scanIterator({ MATCH: `${world.app.t.redisPrefix}session:*`, COUNT: 500 })) sessionKeys.push(...keys);
      expect(sessionKeys.length).toBeGreaterThan(0);
      await onNewPrimary.del(sessionKeys);
      expect((await bob.api('/api/v1/roles')).status).toBe(401);
    } finally {
      onNewPrimary.destroy();
    }
  }, 150_000);
});

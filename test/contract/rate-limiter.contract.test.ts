import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisRateLimiters, memoryRateLimiters } from '../../src/adapters/rate-limits/flexible-rate-limiters.js';
import type { RateLimiterStore } from '../../src/ports/rate-limiter.js';
import { captureLogs } from '../support/logs.js';
import { DisposableRedis } from '../support/redis-server.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

// One contract, both stores: the in-process limiter must count like the Redis one.
const implementations: { name: string; create: (prefix: string) => Promise<RateLimiterStore> }[] = [
  { name: 'memory', create: () => Promise.resolve(memoryRateLimiters()) },
  {
    name: 'redis',
    create: (prefix) =>
      connectRedisRateLimiters({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger }),
  },
];

describe.each(implementations)('RateLimiterStore contract: $name', ({ create }) => {
  const prefix = uniqueRedisPrefix();
  let store: RateLimiterStore;
  beforeAll(async () => {
    store = await create(prefix);
  });
  afterAll(async () => {
    await store.close();
    await deleteRedisKeys(prefix);
  });

  it('when a key uses its budget, then the next event is refused with when to retry, and the first refusal is marked', async () => {
    const limiter = store.limiter('budget', { points: 3, windowSeconds: 60, blockInMemory: false });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await limiter.consume('k'));
    expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false, false]);
    const [, , , first, second] = outcomes;
    expect(first).toMatchObject({ allowed: false, first: true });
    expect(second).toMatchObject({ allowed: false, first: false });
    if (first?.allowed === false) {
      expect(first.retryAfterMs).toBeGreaterThan(55_000);
      expect(first.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('when concurrent events race for the last places, then exactly the budget is allowed', async () => {
    const limiter = store.limiter('race', { points: 10, windowSeconds: 60, blockInMemory: false });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => limiter.consume('k')));
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(10);
  });

  it('when one key is over its budget, then other keys and other limits are unaffected', async () => {
    const a = store.limiter('a', { points: 1, windowSeconds: 60, blockInMemory: true });
    const b = store.limiter('b', { points: 1, windowSeconds: 60, blockInMemory: true });
    expect((await a.consume('one')).allowed).toBe(true);
    expect((await a.consume('one')).allowed).toBe(false);
    expect((await a.consume('one')).allowed).toBe(false);
    expect((await a.consume('two')).allowed).toBe(true);
    expect((await b.consume('one')).allowed).toBe(true);
  });

  it('when an event is refunded, then its place is free again', async () => {
    const limiter = store.limiter('refund', { points: 2, windowSeconds: 60, blockInMemory: false });
    expect((await limiter.consume('k')).allowed).toBe(true);
    const second = await limiter.consume('k');
    expect(second.allowed).toBe(true);
    if (second.allowed) expect(second.windowEndsInMs).toBeGreaterThan(55_000);
    expect((await limiter.consume('k')).allowed).toBe(false);
    await limiter.refund('k');
    await limiter.refund('k');
    expect((await limiter.consume('k')).allowed).toBe(true);
  });

  it('when the window ends, then the key may act again', async () => {
    const limiter = store.limiter('window', { points: 1, windowSeconds: 1, blockInMemory: true });
    expect((await limiter.consume('k')).allowed).toBe(true);
    const refused = await limiter.consume('k');
    expect(refused.allowed).toBe(false);
    await waitFor(async () => ((await limiter.consume('k')).allowed ? true : undefined), 'the window to end', 3000, 100);
  });
});

describe('RateLimiterStore on Redis, across instances and outages', () => {
  it('when two instances count on one Redis, then they share one budget', async () => {
    const prefix = uniqueRedisPrefix();
    const connect = () =>
      connectRedisRateLimiters({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger });
    const [one, two] = await Promise.all([connect(), connect()]);
    try {
      const settings = { points: 6, windowSeconds: 60, blockInMemory: true };
      const [a, b] = [one.limiter('shared', settings), two.limiter('shared', settings)];
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).consume('k')));
      expect(outcomes.filter((o) => o.allowed)).toHaveLength(6);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await deleteRedisKeys(prefix);
    }
  });

  it('when Redis dies, then counting rejects at once (never hangs), and works again once Redis is back', async () => {
    const redis = await DisposableRedis.start();
    const store = await connectRedisRateLimiters({
      url: redis.url,
      keyPrefix: 'rl:',
      connectTimeoutMs: 1000,
      logger: captureLogs().logger,
    });
    try {
      const limiter = store.limiter('outage', { points: 100, windowSeconds: 60, blockInMemory: false });
      expect((await limiter.consume('k')).allowed).toBe(true);
      await redis.kill();
      const started = Date.now();
      await expect(limiter.consume('k')).rejects.toThrow();
      await expect(limiter.refund('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2500);
      await redis.restart();
      await waitFor(async () => ((await limiter.consume('k')).allowed ? true : undefined), 'counting to work again', 10_000, 100);
    } finally {
      await store.close();
      await redis.kill();
    }
  });

  it('when Redis cannot be reached at start-up, then connecting fails with the reason', async () => {
    const redis = await DisposableRedis.start();
    await redis.kill();
    await expect(
      connectRedisRateLimiters({ url: redis.url, keyPrefix: 'rl:', connectTimeoutMs: 500, logger: captureLogs().logger }),
    ).rejects.toThrow(/ECONNREFUSED|timed out|connect/i);
  });
});

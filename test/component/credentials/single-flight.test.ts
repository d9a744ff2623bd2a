import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../../../src/adapters/memory/memory-kv-store.js';
import { RedisKvStore } from '../../../src/adapters/redis/redis-kv-store.js';
import { SingleFlight, type Flight } from '../../../src/features/credentials/single-flight.js';
import type { KvStore } from '../../../src/ports/kv-store.js';
import { captureLogs } from '../../support/logs.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

const prefix = uniqueRedisPrefix();
const connect = () => RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger });
let instanceA: KvStore;
let instanceB: KvStore;
beforeAll(async () => {
  // Two connections with the same prefix stand for two rolegate processes sharing Redis.
  [instanceA, instanceB] = await Promise.all([connect(), connect()]);
});
afterAll(async () => {
  await Promise.all([instanceA.close(), instanceB.close()]);
  await deleteRedisKeys(prefix);
});

const options = { namespace: 'flight:', lockTtlMs: 5000, waitMs: 5000 };

/** A flight whose shared result lives in `kv` under `resultKey`; production is held until `release()`. */
function gatedFlight(
  kv: KvStore,
  resultKey: string,
  calls: { count: number },
  outcome: () => Promise<string>,
): Flight & { release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    release,
    lookup: async () => (await kv.get(resultKey)) ?? undefined,
    produce: async () => {
      calls.count++;
      await gate;
      const value = await outcome();
      await kv.set(resultKey, value, 60_000);
      return value;
    },
    describeError: (error) => ({ code: 'sts_access_denied', message: (error as Error).message }),
    reviveError: (error) => new Error(`${error.code}: ${error.message}`),
  };
}

describe('SingleFlight across processes', () => {
  it('when 200 requests for one key arrive at two instances at once, then exactly one produces and all get its result', async () => {
    const flightsA = new SingleFlight(instanceA, options);
    const flightsB = new SingleFlight(instanceB, options);
    const calls = { count: 0 };
    const a = gatedFlight(instanceA, 'result:alice:dev', calls, () => Promise.resolve('credentials-v1'));
    const b = gatedFlight(instanceB, 'result:alice:dev', calls, () => Promise.resolve('credentials-v1'));
    const results = [
      ...Array.from({ length: 100 }, () => flightsA.run('alice:dev', a)),
      ...Array.from({ length: 100 }, () => flightsB.run('alice:dev', b)),
    ];
    // Both instances are in flight: one produces, the other follows.
    await waitFor(
      () => (calls.count === 1 && flightsA.waiting + flightsB.waiting === 1 ? true : undefined),
      'one producer and one follower',
    );
    a.release();
    b.release();
    expect(new Set(await Promise.all(results))).toEqual(new Set(['credentials-v1']));
    expect(calls.count).toBe(1);
  });

  it('when the producer fails, then followers on the other instance get the same error without producing again', async () => {
    const flightsA = new SingleFlight(instanceA, options);
    const flightsB = new SingleFlight(instanceB, options);
    const calls = { count: 0 };
    const fail = () => Promise.reject(new Error('trust policy does not allow the provider'));
    const a = gatedFlight(instanceA, 'result:bob:prod', calls, fail);
    const b = gatedFlight(instanceB, 'result:bob:prod', calls, fail);
    const results = [
      ...Array.from({ length: 10 }, () => flightsA.run('bob:prod', a)),
      ...Array.from({ length: 10 }, () => flightsB.run('bob:prod', b)),
    ];
    await waitFor(
      () => (calls.count === 1 && flightsA.waiting + flightsB.waiting === 1 ? true : undefined),
      'one producer and one follower',
    );
    a.release();
    b.release();
    const settled = await Promise.allSettled(results);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    const messages = new Set(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : '')));
    expect([...messages].every((m) => m.includes('trust policy does not allow the provider'))).toBe(true);
    expect(calls.count).toBe(1);
  });

  it('when a producer died holding the lock, then a follower takes over once the lock expires', async () => {
    const shortLock = { namespace: 'flight:', lockTtlMs: 300, waitMs: 400 };
    await instanceA.setIfAbsent('flight:lock:carol:dev', 'a-process-that-crashed', 300);
    const flights = new SingleFlight(instanceB, shortLock);
    const calls = { count: 0 };
    const flight = gatedFlight(instanceB, 'result:carol:dev', calls, () => Promise.resolve('credentials-after-takeover'));
    flight.release();
    expect(await flights.run('carol:dev', flight)).toBe('credentials-after-takeover');
    expect(calls.count).toBe(1);
  });

  it('when the result already exists when the lock is won, then nothing is produced', async () => {
    await instanceA.set('result:dan:dev', 'cached-by-someone-else', 60_000);
    const flights = new SingleFlight(instanceA, options);
    const calls = { count: 0 };
    const flight = gatedFlight(instanceA, 'result:dan:dev', calls, () => Promise.resolve('fresh'));
    flight.release();
    expect(await flights.run('dan:dev', flight)).toBe('cached-by-someone-else');
    expect(calls.count).toBe(0);
  });
});

describe('SingleFlight in one process on the in-process store', () => {
  it('when 1,000 requests for one key arrive at once, then one produces', async () => {
    const kv = new MemoryKvStore();
    const flights = new SingleFlight(kv, options);
    const calls = { count: 0 };
    const flight = gatedFlight(kv, 'result:erin:dev', calls, () => Promise.resolve('v'));
    const results = Array.from({ length: 1000 }, () => flights.run('erin:dev', flight));
    await waitFor(() => (calls.count === 1 ? true : undefined), 'the producer');
    flight.release();
    expect(new Set(await Promise.all(results))).toEqual(new Set(['v']));
    expect(calls.count).toBe(1);
    await kv.close();
  });
});

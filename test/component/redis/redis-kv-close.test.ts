import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKvStore } from '../../../src/adapters/redis/redis-kv-store.js';
import { captureLogs } from '../../support/logs.js';
import { testRedisUrl, uniqueRedisPrefix } from '../../support/redis.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

// Shutdown must not wait for ever on a Redis connection whose path has stalled:
// a graceful close waits for an answer that never comes.
describe('closing the Redis store while its connection is stalled', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(testRedisUrl);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  });
  afterAll(async () => {
    proxy.resume();
    await proxy.close();
  });

  it('when the path stalls with a command in flight, then close ends within its bound', async () => {
    const kv = await RedisKvStore.connect({
      url: `redis://${proxy.url}`,
      keyPrefix: uniqueRedisPrefix(),
      connectTimeoutMs: 2000,
      commandTimeoutMs: 10_000,
      logger: captureLogs().logger,
    });
    await kv.set('probe', '1', 10_000);
    proxy.pause();
    const inFlight = kv.get('probe').then(
      () => 'answered',
      () => 'failed',
    );
    const startedAt = performance.now();
    await kv.close();
    expect(performance.now() - startedAt).toBeLessThan(5000);
    expect(await inFlight).toBe('failed');
  });
});

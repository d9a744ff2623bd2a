import { createServer, type AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import { captureLogs } from '../support/logs.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

// The near cache answers repeated reads from memory; these tests watch the
// bytes rolegate sends to Redis through a proxy to prove when it does not ask,
// and that any change made elsewhere, any expiry and any broken connection
// ends what it may answer from memory.
describe('RedisKvStore near cache', () => {
  const prefix = uniqueRedisPrefix();
  const target = new URL(testRedisUrl);
  let proxy: TcpProxy;
  let cached: RedisKvStore;
  let other: RedisKvStore;
  const stores: RedisKvStore[] = [];

  const connect = async (url: string, nearCache?: { ttlMs: number; prefixes: string[] }) => {
    const store = await RedisKvStore.connect({
      url,
      keyPrefix: prefix,
      connectTimeoutMs: 2000,
      ...(nearCache === undefined ? {} : { nearCache }),
      logger: captureLogs().logger,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    const viaProxy = new URL(testRedisUrl);
    viaProxy.host = `127.0.0.1:${String(proxy.port)}`;
    cached = await connect(viaProxy.href, { ttlMs: 10_000, prefixes: ['k'] });
    other = await connect(testRedisUrl);
  });
  afterEach(async () => {
    await other.delete('k');
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await proxy.close();
    await deleteRedisKeys(prefix);
  });

  /** Bytes the cached store sends to Redis while `action` runs. */
  const sentDuring = async (action: () => Promise<unknown>) => {
    const before = proxy.bytesFromClients;
    await action();
    return proxy.bytesFromClients - before;
  };

  it('when a key is read again, then the answer comes from memory without a round trip', async () => {
    await other.set('k', 'v1');
    expect(await sentDuring(() => cached.get('k'))).toBeGreaterThan(0);
    expect(await sentDuring(async () => expect(await cached.get('k')).toBe('v1'))).toBe(0);
  });

  it('when another instance changes or deletes the key, then the next reads see it', async () => {
    await other.set('k', 'v1');
    expect(await cached.get('k')).toBe('v1');
    await other.set('k', 'v2');
    await waitFor(async () => ((await cached.get('k')) === 'v2' ? true : undefined), 'the change to reach the near cache', 2000, 5);
    await other.delete('k');
    await waitFor(async () => ((await cached.get('k')) === null ? true : undefined), 'the delete to reach the near cache', 2000, 5);
  });

  it('when a key is not among those kept near, then every read asks Redis', async () => {
    await other.set('lock', 'held');
    expect(await cached.get('lock')).toBe('held');
    expect(await sentDuring(() => cached.get('lock'))).toBeGreaterThan(0);
    await other.delete('lock');
  });

  it('when a key is missing, then a key created elsewhere is seen by the very next read', async () => {
    expect(await cached.get('k')).toBeNull();
    await other.set('k', 'created');
    expect(await cached.get('k')).toBe('created');
  });

  it('when this instance writes a key, then its very next read sees the write', async () => {
    await cached.set('k', 'v1');
    expect(await cached.get('k')).toBe('v1');
    await cached.set('k', 'v2');
    expect(await cached.get('k')).toBe('v2');
    expect(await cached.take('k')).toBe('v2');
    expect(await cached.get('k')).toBeNull();
  });

  it('when the key expires in Redis, then it is no longer answered', async () => {
    await other.set('k', 'short-lived', 100);
    expect(await cached.get('k')).toBe('short-lived');
    await waitFor(async () => ((await cached.get('k')) === null ? true : undefined), 'the expiry to reach the near cache', 3000, 10);
  });

  it('when the connection to Redis breaks, then nothing is answered from memory until Redis answers again', async () => {
    await other.set('k', 'before');
    expect(await cached.get('k')).toBe('before');
    proxy.cutAll();
    // Whatever happens meanwhile, a read either fails (Redis unreachable) or reaches Redis again: never the old copy.
    await other.set('k', 'after');
    await waitFor(
      async () => {
        try {
          const value = await cached.get('k');
          expect(value).toBe('after');
          return true;
        } catch {
          return undefined; // still reconnecting: refused, not answered from memory
        }
      },
      'the store to reconnect',
      5000,
      20,
    );
  });
});

/**
 * The commands Redis itself runs on keys under `prefix`, seen through MONITOR
 * (no mocks: what Redis was asked, from whichever connection).
 */
async function watchRedisCommands(prefix: string) {
  const seen: string[] = [];
  const monitor = createClient({ url: testRedisUrl });
  const probe = createClient({ url: testRedisUrl });
  await Promise.all([monitor.connect(), probe.connect()]);
  await monitor.monitor((line: string) => {
    if (line.includes(prefix)) seen.push(line);
  });
  let fence = 0;
  return {
    /** GETs of `key` (full Redis key) Redis ran while `action` ran. */
    async getsDuring(key: string, action: () => Promise<unknown>): Promise<number> {
      await this.settle();
      const from = seen.length;
      await action();
      await this.settle();
      return seen.slice(from).filter((line) => /"GET"/i.test(line) && line.endsWith(`"${key}"`)).length;
    },
    /** Returns once MONITOR has reported every command run so far (it reports in execution order). */
    async settle(): Promise<void> {
      const marker = `${prefix}fence-${String(++fence)}`;
      await probe.get(marker);
      await waitFor(() => (seen.some((line) => line.endsWith(`"${marker}"`)) ? true : undefined), 'MONITOR to catch up', 5000, 2);
    },
    async close() {
      await Promise.all([monitor.close(), probe.close()]);
    },
  };
}

describe('RedisKvStore near cache bounds and shared reads (commands counted by Redis MONITOR)', () => {
  const prefix = uniqueRedisPrefix();
  let watcher: Awaited<ReturnType<typeof watchRedisCommands>>;
  let other: RedisKvStore;
  const stores: RedisKvStore[] = [];
  const connect = async (nearCache: { maxEntries?: number; maxBytes?: number }) => {
    const store = await RedisKvStore.connect({
      url: testRedisUrl,
      keyPrefix: prefix,
      connectTimeoutMs: 2000,
      nearCache: { ttlMs: 60_000, prefixes: ['k'], ...nearCache },
      logger: captureLogs().logger,
    });
    stores.push(store);
    await waitFor(() => (store.nearCacheLive ? true : undefined), 'the heartbeat to prove the connection', 3000, 5);
    return store;
  };

  beforeAll(async () => {
    watcher = await watchRedisCommands(prefix);
    other = await RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger });
    stores.push(other);
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await watcher.close();
    await deleteRedisKeys(prefix);
  });

  it('when many requests read one missing copy at once, then Redis runs one GET and all get its answer', async () => {
    const cached = await connect({});
    await other.set('k-herd', 'v1');
    let answers: (string | null)[] = [];
    const gets = await watcher.getsDuring(`${prefix}k-herd`, async () => {
      answers = await Promise.all(Array.from({ length: 50 }, () => cached.get('k-herd')));
    });
    expect(gets).toBe(1);
    expect(new Set(answers)).toEqual(new Set(['v1']));
    expect(cached.nearCacheStats).toMatchObject({ misses: 1, shared: 49 });
    // Keys outside the near cache are never shared: each read is its own GET.
    await other.set('lock-herd', 'held');
    expect(await watcher.getsDuring(`${prefix}lock-herd`, () => Promise.all([cached.get('lock-herd'), cached.get('lock-herd')]))).toBe(2);
  });

  it('when more keys are read than the entry bound, then the least recently used is read from Redis again and the rest from memory', async () => {
    const cached = await connect({ maxEntries: 2 });
    for (const key of ['k-a', 'k-b', 'k-c']) await other.set(key, `value of ${key}`);
    for (const key of ['k-a', 'k-b', 'k-c']) await cached.get(key);
    expect(await watcher.getsDuring(`${prefix}k-b`, () => cached.get('k-b'))).toBe(0);
    expect(await watcher.getsDuring(`${prefix}k-c`, () => cached.get('k-c'))).toBe(0);
    expect(await watcher.getsDuring(`${prefix}k-a`, async () => expect(await cached.get('k-a')).toBe('value of k-a'))).toBe(1);
    expect(cached.nearCacheStats).toMatchObject({ entries: 2, evictions: 2 });
  });

  it('when values outgrow the byte bound, then the least recently used go first', async () => {
    const value = 'x'.repeat(300 * 1024);
    const cached = await connect({ maxBytes: 1024 * 1024 }); // room for three such values
    for (const key of ['k-1', 'k-2', 'k-3', 'k-4']) await other.set(key, value);
    for (const key of ['k-1', 'k-2', 'k-3', 'k-4']) await cached.get(key);
    expect(cached.nearCacheStats?.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cached.nearCacheStats?.entries).toBe(3);
    expect(await watcher.getsDuring(`${prefix}k-4`, () => cached.get('k-4'))).toBe(0);
    expect(await watcher.getsDuring(`${prefix}k-1`, () => cached.get('k-1'))).toBe(1);
  });

  it('when an evicted key is read again and then changed elsewhere, then the change is still seen (tracking survives eviction)', async () => {
    const cached = await connect({ maxEntries: 1 });
    await other.set('k-x', 'v1');
    expect(await cached.get('k-x')).toBe('v1');
    await other.set('k-y', 'y');
    await cached.get('k-y'); // evicts k-x
    await other.set('k-x', 'v2'); // its invalidation finds no copy
    expect(await cached.get('k-x')).toBe('v2'); // evicts k-y
    // Kept again once a read is not overtaken by that change's invalidation (which may trail it).
    await waitFor(
      async () => ((await watcher.getsDuring(`${prefix}k-x`, () => cached.get('k-x'))) === 0 ? true : undefined),
      'k-x to be answered from memory again',
      3000,
      5,
    );
    await other.set('k-x', 'v3');
    await waitFor(async () => ((await cached.get('k-x')) === 'v3' ? true : undefined), 'the change to reach the near cache', 2000, 5);
    // k-y was evicted and changed meanwhile: read afresh too.
    await other.set('k-y', 'y2');
    expect(await cached.get('k-y')).toBe('y2');
  });
});

describe('RedisKvStore near cache over a connection that stalls', () => {
  const prefix = uniqueRedisPrefix();
  const target = new URL(testRedisUrl);
  let proxy: TcpProxy;
  let stalling: RedisKvStore;
  let other: RedisKvStore;
  const PROOF_MS = 300;
  const COMMAND_TIMEOUT_MS = 600;

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
    const viaProxy = new URL(testRedisUrl);
    viaProxy.host = proxy.url;
    const logger = captureLogs().logger;
    stalling = await RedisKvStore.connect({
      url: viaProxy.href,
      keyPrefix: prefix,
      connectTimeoutMs: 2000,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      nearCache: { ttlMs: 60_000, prefixes: ['k'], proofMaxAgeMs: PROOF_MS },
      logger,
    });
    other = await RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger });
  });
  afterAll(async () => {
    proxy.resume();
    await stalling.close();
    await other.close();
    await proxy.close();
    await deleteRedisKeys(prefix);
  });

  it('when the connection passes nothing, then no copy is answered after the proof deadline, reads fail within the command timeout, and it recovers', async () => {
    await other.set('k', 'before');
    await waitFor(() => (stalling.nearCacheLive ? true : undefined), 'the heartbeat to prove the connection', 2000, 5);
    expect(await stalling.get('k')).toBe('before');
    const pausedAt = performance.now();
    proxy.pause();
    await other.delete('k'); // a logout elsewhere: its invalidation is stuck in the paused proxy
    const deletedAt = performance.now();

    // Copies may be answered only until the newest proof, sent before the pause, is PROOF_MS old.
    await waitFor(() => (stalling.nearCacheLive ? undefined : true), 'the near cache to stop answering', 2000, 5);
    // Slack for a loaded test machine; what matters is that it ends, and soon.
    expect(performance.now() - pausedAt).toBeLessThan(PROOF_MS + 1000);
    const startedAt = performance.now();
    await expect(stalling.get('k')).rejects.toThrow();
    expect(performance.now() - startedAt).toBeLessThan(COMMAND_TIMEOUT_MS + 1500);
    // Every read from now on is refused, never answered with the deleted value.
    for (let i = 0; i < 5; i++) await expect(stalling.get('k')).rejects.toThrow();
    expect(performance.now() - deletedAt).toBeGreaterThan(PROOF_MS);

    // The stalled connection is noticed and replaced; once the path passes traffic again, so does the store.
    await waitFor(() => (stalling.stallsDetected > 0 ? true : undefined), 'the stall to be detected', 5000, 10);
    proxy.resume();
    await waitFor(async () => ((await stalling.get('k')) === null ? true : undefined), 'the store to answer from Redis again', 10_000, 20);
    await other.set('k', 'after');
    await waitFor(async () => ((await stalling.get('k')) === 'after' ? true : undefined), 'the change to be seen', 5000, 10);
    await waitFor(() => (stalling.nearCacheLive ? true : undefined), 'the near cache to answer again', 5000, 10);
  });
});

describe('RedisKvStore near cache on a server without RESP3', () => {
  it('when the server refuses HELLO, then it says so in one warn line and connects with the near cache off', async () => {
    // A Redis 5 lookalike that knows no command: one error per command (a RESP array) received.
    const server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        for (const _command of chunk.toString('latin1').matchAll(/(?:^|\r\n)\*\d+\r\n/g)) socket.write("-ERR unknown command 'HELLO'\r\n");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logs = captureLogs();
    try {
      const url = `redis://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
      const store = await RedisKvStore.connect({
        url,
        keyPrefix: 'x:',
        connectTimeoutMs: 1000,
        nearCache: { ttlMs: 1000, prefixes: [''] },
        logger: logs.logger,
      });
      expect(store.nearCacheEnabled).toBe(false);
      const said = logs.lines().filter((l) => String(l.msg).includes('client tracking'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatchObject({ level: 'warn', reason: "ERR unknown command 'HELLO'" });
      expect(String(said[0]?.msg)).toContain('the near cache is off');
      await store.close();
    } finally {
      server.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../../src/adapters/memory/memory-kv-store.js';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import type { KvStore } from '../../src/ports/kv-store.js';
import { captureLogs } from '../support/logs.js';
import { deleteRedisKeys, rawRedisGet, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

// One contract, every implementation: the in-process store must behave like Redis.
const implementations: { name: string; create: (prefix: string) => Promise<KvStore> }[] = [
  { name: 'memory', create: () => Promise.resolve(new MemoryKvStore()) },
  {
    name: 'redis',
    create: (prefix) =>
      RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger }),
  },
  {
    name: 'redis with near cache',
    create: (prefix) =>
      RedisKvStore.connect({
        url: testRedisUrl,
        keyPrefix: prefix,
        connectTimeoutMs: 2000,
        nearCache: { ttlMs: 10_000, prefixes: [''] },
        logger: captureLogs().logger,
      }),
  },
];

describe.each(implementations)('KvStore contract: $name', ({ name, create }) => {
  const prefix = uniqueRedisPrefix();
  let store: KvStore;
  beforeAll(async () => {
    store = await create(prefix);
  });
  afterAll(async () => {
    await store.close();
    await deleteRedisKeys(prefix);
  });

  it('when a value is set, then get returns it and a missing key returns null', async () => {
    await store.set('a', 'one');
    expect(await store.get('a')).toBe('one');
    expect(await store.get('missing')).toBeNull();
  });

  it('when a ttl is given, then the value expires', async () => {
    // Long enough that a loaded test machine cannot let it expire between the two commands.
    await store.set('short', 'x', 300);
    expect(await store.ttlMs('short')).toBeGreaterThan(0);
    await waitFor(async () => ((await store.get('short')) === null ? true : undefined), 'the key to expire', 2000, 10);
    expect(await store.ttlMs('short')).toBeNull();
  });

  it('when no ttl is given, then ttlMs is null', async () => {
    await store.set('forever', 'x');
    expect(await store.ttlMs('forever')).toBeNull();
  });

  it('when setIfAbsent races, then exactly one caller wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('lock', String(i), 5000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await store.get('lock')).toBe(String(winner));
  });

  it('when a value is taken, then only the first taker gets it', async () => {
    await store.set('once', 'token', 5000);
    const taken = await Promise.all([store.take('once'), store.take('once'), store.take('once')]);
    expect(taken.filter((v) => v === 'token')).toHaveLength(1);
    expect(await store.get('once')).toBeNull();
  });

  it('when deleting, then it counts only keys that existed', async () => {
    await store.set('d1', '1');
    await store.set('d2', '2');
    expect(await store.delete('d1', 'd2', 'd3')).toBe(2);
    expect(await store.get('d1')).toBeNull();
  });

  it('when deleteIfEquals is given another owner value, then the key stays', async () => {
    await store.set('owned', 'me', 5000);
    expect(await store.deleteIfEquals('owned', 'someone-else')).toBe(false);
    expect(await store.get('owned')).toBe('me');
    expect(await store.deleteIfEquals('owned', 'me')).toBe(true);
    expect(await store.get('owned')).toBeNull();
  });

  it('when members are added to a set, then they are listed and can be removed', async () => {
    await store.addToSet('set', 'a', 5000);
    await store.addToSet('set', 'b');
    await store.addToSet('set', 'a');
    expect((await store.setMembers('set')).sort()).toEqual(['a', 'b']);
    await store.removeFromSet('set', 'a');
    expect(await store.setMembers('set')).toEqual(['b']);
    expect(await store.setMembers('no-such-set')).toEqual([]);
  });

  it('when a value is set and indexed, then it reads back with its ttl and every index lists its member', async () => {
    await store.setAndIndex('indexed-value', 'v', 60_000, [
      { key: 'index-with-ttl', member: 'm1', ttlMs: 60_000 },
      { key: 'index-forever', member: 'm2' },
    ]);
    expect(await store.get('indexed-value')).toBe('v');
    expect(await store.ttlMs('indexed-value')).toBeGreaterThan(50_000);
    expect(await store.setMembers('index-with-ttl')).toEqual(['m1']);
    expect(await store.ttlMs('index-with-ttl')).toBeGreaterThan(50_000);
    expect(await store.setMembers('index-forever')).toEqual(['m2']);
    expect(await store.ttlMs('index-forever')).toBeNull();
  });

  it('when an index already lives longer than asked, then it keeps its expiry; a shorter-lived one is extended', async () => {
    await store.addToSet('long-index', 'old', 600_000);
    await store.addToSet('short-index', 'old', 10_000);
    await store.setAndIndex('v-long', 'v', 60_000, [
      { key: 'long-index', member: 'new', ttlMs: 60_000 },
      { key: 'short-index', member: 'new', ttlMs: 60_000 },
    ]);
    expect((await store.setMembers('long-index')).sort()).toEqual(['new', 'old']);
    expect(await store.ttlMs('long-index')).toBeGreaterThan(500_000);
    expect((await store.setMembers('short-index')).sort()).toEqual(['new', 'old']);
    expect(await store.ttlMs('short-index')).toBeGreaterThan(50_000);
    await expect(store.setAndIndex('bad', 'x', 0, [])).rejects.toThrow(/ttlMs must be a positive number/);
  });

  it('when a message is published, then subscribers of that channel receive it until they unsubscribe', async () => {
    const received: string[] = [];
    const unsubscribe = await store.subscribe('events', (m) => received.push(m));
    await store.publish('events', 'hello');
    await waitFor(() => (received.length === 1 ? true : undefined), 'the message', 2000, 10);
    await unsubscribe();
    await store.publish('events', 'after');
    await store.publish('other', 'ignored');
    await store.ping(); // a round trip after the publishes
    expect(received).toEqual(['hello']);
  });

  it('when a ttl is not positive, then the call is refused', async () => {
    await expect(store.set('bad', 'x', 0)).rejects.toThrow(/ttlMs must be a positive number/);
    await expect(store.setIfAbsent('bad', 'x', -5)).rejects.toThrow(/ttlMs must be a positive number/);
  });

  if (name.startsWith('redis')) {
    it('when writing, then every key lands under the configured prefix', async () => {
      await store.set('prefixed', 'v');
      expect(await rawRedisGet(`${prefix}prefixed`)).toBe('v');
    });
  }
});

describe('RedisKvStore connection failures', () => {
  it('when Redis is unreachable at connect, then it rejects within the timeout with the reason', async () => {
    const started = Date.now();
    await expect(
      RedisKvStore.connect({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:', connectTimeoutMs: 500, logger: captureLogs().logger }),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

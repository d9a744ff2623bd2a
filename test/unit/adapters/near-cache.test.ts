import { describe, expect, it } from 'vitest';
import { entryBytes, NearCache } from '../../../src/adapters/redis/near-cache.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('NearCache', () => {
  it('when a value was read through, then it is answered until its ttl ends', async () => {
    let now = 1000;
    const cache = new NearCache({ ttlMs: 500, maxEntries: 10, maxBytes: 1e6 }, () => now);
    expect(cache.get('a')).toBeUndefined();
    expect(await cache.readThrough('a', () => Promise.resolve('one'))).toBe('one');
    expect(cache.get('a')).toBe('one');
    now += 499;
    expect(cache.get('a')).toBe('one');
    now += 1;
    expect(cache.get('a')).toBeUndefined();
  });

  it('when a key was absent, then that is not remembered (it may be created elsewhere any moment)', async () => {
    const cache = new NearCache({ ttlMs: 500, maxEntries: 10, maxBytes: 1e6 });
    expect(await cache.readThrough('gone', () => Promise.resolve(null))).toBeNull();
    expect(cache.get('gone')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('when a key is invalidated while its read is in flight, then the (possibly old) answer is not kept', async () => {
    const cache = new NearCache({ ttlMs: 500, maxEntries: 10, maxBytes: 1e6 });
    const read = deferred<string | null>();
    const answered = cache.readThrough('a', () => read.promise);
    cache.invalidate('a');
    read.resolve('old');
    expect(await answered).toBe('old');
    expect(cache.get('a')).toBeUndefined();
  });

  it('when everything is invalidated or cleared, then nothing is answered', async () => {
    const cache = new NearCache({ ttlMs: 500, maxEntries: 10, maxBytes: 1e6 });
    await cache.readThrough('a', () => Promise.resolve('1'));
    await cache.readThrough('b', () => Promise.resolve('2'));
    cache.invalidate(null);
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, undefined]);
    await cache.readThrough('a', () => Promise.resolve('1'));
    const inFlight = deferred<string | null>();
    const answered = cache.readThrough('b', () => inFlight.promise);
    cache.clear();
    inFlight.resolve('2');
    await answered;
    expect([cache.get('a'), cache.get('b')]).toEqual([undefined, undefined]);
  });

  it('when a read fails, then nothing is kept and the error reaches the caller', async () => {
    const cache = new NearCache({ ttlMs: 500, maxEntries: 10, maxBytes: 1e6 });
    await expect(cache.readThrough('a', () => Promise.reject(new Error('Redis is not connected')))).rejects.toThrow('not connected');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('when more keys are read than it holds, then the least recently read are dropped first', async () => {
    const cache = new NearCache({ ttlMs: 10_000, maxEntries: 2, maxBytes: 1e6 });
    await cache.readThrough('a', () => Promise.resolve('1'));
    await cache.readThrough('b', () => Promise.resolve('2'));
    await cache.readThrough('c', () => Promise.resolve('3'));
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, '2', '3']);
    expect(cache.stats.evictions).toBe(1);
  });

  it('when copies outgrow the byte bound, then the least recently used are dropped until they fit', async () => {
    const perEntry = entryBytes('a', 'x'.repeat(100));
    const cache = new NearCache({ ttlMs: 10_000, maxEntries: 100, maxBytes: perEntry * 3 });
    for (const key of ['a', 'b', 'c']) await cache.readThrough(key, () => Promise.resolve('x'.repeat(100)));
    expect(cache.get('a')).toBe('x'.repeat(100)); // a is now the most recently used
    await cache.readThrough('d', () => Promise.resolve('x'.repeat(100)));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k) !== undefined)).toEqual([true, true, true]);
    expect(cache.stats).toMatchObject({ entries: 3, bytes: perEntry * 3, evictions: 1 });
    // A value larger than the whole bound is answered, never kept.
    expect(await cache.readThrough('huge', () => Promise.resolve('x'.repeat(perEntry * 4)))).toHaveLength(perEntry * 4);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.stats.entries).toBe(3);
  });

  it('when a key is read by many at once, then they share one read and its answer', async () => {
    const cache = new NearCache({ ttlMs: 10_000, maxEntries: 10, maxBytes: 1e6 });
    const read = deferred<string | null>();
    let reads = 0;
    const answers = Array.from({ length: 5 }, () =>
      cache.readThrough('a', () => {
        reads++;
        return read.promise;
      }),
    );
    read.resolve('one');
    expect(await Promise.all(answers)).toEqual(['one', 'one', 'one', 'one', 'one']);
    expect(reads).toBe(1);
    expect(cache.stats).toMatchObject({ misses: 1, shared: 4 });
    expect(cache.get('a')).toBe('one');
    expect(cache.stats.hits).toBe(1);
  });

  it('when a key is invalidated while its read is shared, then later reads do not join it', async () => {
    const cache = new NearCache({ ttlMs: 10_000, maxEntries: 10, maxBytes: 1e6 });
    const old = deferred<string | null>();
    const first = cache.readThrough('a', () => old.promise);
    cache.invalidate('a');
    const second = cache.readThrough('a', () => Promise.resolve('new'));
    old.resolve('old');
    expect([await first, await second]).toEqual(['old', 'new']);
    expect(cache.get('a')).toBe('new');
  });

  it('when a shared read fails, then every sharer gets the error and the next read asks again', async () => {
    const cache = new NearCache({ ttlMs: 10_000, maxEntries: 10, maxBytes: 1e6 });
    const failing = deferred<string | null>();
    const answers = [cache.readThrough('a', () => failing.promise), cache.readThrough('a', () => failing.promise)];
    failing.reject(new Error('Redis is not connected'));
    for (const answer of answers) await expect(answer).rejects.toThrow('not connected');
    expect(await cache.readThrough('a', () => Promise.resolve('back'))).toBe('back');
  });

  it('when Redis says how long the key has left, then the copy ends with the key, not later', async () => {
    let now = 1000;
    const cache = new NearCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1e6 }, () => now);
    expect(await cache.readThrough('session', () => Promise.resolve({ value: 'one', remainingMs: 250 }))).toBe('one');
    now += 249;
    expect(cache.get('session')).toBe('one');
    now += 1; // the key's TTL is over: Redis may not have expired it yet, the copy is gone anyway
    expect(cache.get('session')).toBeUndefined();
    // Without an expiry the cache's own bound applies; a key with no time left is not kept at all.
    await cache.readThrough('forever', () => Promise.resolve({ value: 'x', remainingMs: null }));
    now += 59_999;
    expect(cache.get('forever')).toBe('x');
    expect(await cache.readThrough('ending', () => Promise.resolve({ value: 'y', remainingMs: 0 }))).toBe('y');
    expect(cache.get('ending')).toBeUndefined();
  });

  describe('with proofs that the tracking connection is flowing', () => {
    it('when the newest proof is older than the limit, then nothing is answered and the copies are dropped', async () => {
      let now = 1000;
      const cache = new NearCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1e6, proofMaxAgeMs: 300 }, () => now);
      cache.prove(now);
      await cache.readThrough('a', () => Promise.resolve('one'));
      expect(cache.get('a')).toBe('one');
      now += 300;
      expect(cache.get('a')).toBe('one');
      now += 1; // no reply to anything sent in the last 300 ms: invalidations may be stuck
      expect(cache.live).toBe(false);
      expect(cache.get('a')).toBeUndefined();
      expect(cache.size).toBe(0);
      // A proof for a command sent now makes copies usable again, but the dropped one must be read afresh.
      cache.prove(now);
      expect(cache.get('a')).toBeUndefined();
      await cache.readThrough('a', () => Promise.resolve('two'));
      expect(cache.get('a')).toBe('two');
    });

    it('when a reply arrives late for an old command, then it proves only as of when that command was sent', () => {
      let now = 1000;
      const cache = new NearCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1e6, proofMaxAgeMs: 300 }, () => now);
      cache.prove(1500);
      now = 1700;
      cache.prove(1200); // an older command answered after a newer one: the proof does not go back
      expect(cache.live).toBe(true);
      now = 1801;
      expect(cache.live).toBe(false);
    });

    it('when nothing has been proved yet, or the connection changed since, then nothing is answered', async () => {
      const now = 1000;
      const cache = new NearCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1e6, proofMaxAgeMs: 300 }, () => now);
      expect(cache.live).toBe(false);
      await cache.readThrough('a', () => Promise.resolve('one'));
      expect(cache.get('a')).toBeUndefined();
      cache.prove(now);
      await cache.readThrough('a', () => Promise.resolve('one'));
      expect(cache.get('a')).toBe('one');
      cache.clear(); // a new connection: proofs about the old one say nothing
      expect(cache.live).toBe(false);
    });
  });
});

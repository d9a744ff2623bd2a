import { LRUCache } from 'lru-cache';

interface Entry {
  value: string;
  expiresAt: number;
}

/** How many copies, and how much memory, the near cache may hold; how long a copy lives. */
export interface NearCacheLimits {
  ttlMs: number;
  /** Copies held at most; the least recently used go first. */
  maxEntries: number;
  /** Approximate bytes held at most (see entryBytes); the least recently used go first. */
  maxBytes: number;
  /** Without it, copies need no proof (unit tests of the cache alone). */
  proofMaxAgeMs?: number;
}

/**
 * A read from Redis with the key's remaining time to live (PTTL, in the same
 * round trip): a copy never outlives the key. Redis expires a key when it is
 * read or when its expiry cycle samples it — with many keys that carry a TTL
 * that can be long after the TTL ended, and a copy served from memory is
 * never a read Redis sees, so its invalidation would come late.
 */
export interface NearRead {
  value: string | null;
  /** Milliseconds the key has left; null when it has no expiry. */
  remainingMs: number | null;
}

/** What the near cache did since start-up, and what it holds now (read at scrape time). */
export interface NearCacheStats {
  /** Reads answered from memory. */
  hits: number;
  /** Reads that went to Redis. */
  misses: number;
  /** Reads that found a read of the same key in flight and shared its answer: no round trip of their own. */
  shared: number;
  /** Copies dropped to stay within maxEntries or maxBytes. */
  evictions: number;
  entries: number;
  bytes: number;
}

/**
 * A copy's approximate weight in memory: its key and value (ASCII here:
 * base64 sealed text, JSON) plus a fixed allowance for the entry, the LRU's
 * slots and the string headers.
 */
export function entryBytes(key: string, value: string): number {
  return key.length + value.length + ENTRY_OVERHEAD_BYTES;
}
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * Copies of Redis values in this process, kept exact by Redis itself: with
 * client tracking on, Redis sends an `invalidate` message for every key this
 * connection read as soon as any client writes, deletes or expires it, and
 * the copy is dropped. A read that is still in flight when its key is
 * invalidated is not kept (it may carry the old value), and reads that come
 * after the invalidation do not share it. `ttlMs` bounds how long a copy
 * lives regardless; `clear()` runs whenever the connection breaks or is
 * replaced, since invalidations may then have been missed.
 *
 * Bounded in entries and in bytes (least recently used first): a burst of
 * new users or a few large values cannot grow the process without limit.
 * An evicted copy is simply read from Redis again; the tracking that Redis
 * keeps for it is harmless (one spurious invalidation later).
 *
 * Concurrent misses of one key share one round trip: every read that finds
 * a read of the same key in flight gets that read's answer (a thundering
 * herd after a deploy or an eviction costs Redis one GET per key).
 *
 * Absent keys are not remembered: a key another instance has just created
 * (a lock, freshly cached credentials) must never look missing here while
 * Redis's message is on its way. What can lag by that moment is a change or a
 * delete made by another instance; this instance's own writes drop its copy
 * at once (RedisKvStore).
 *
 * node-redis ships a client-side cache too, but its hit path (a cache key
 * built from the command's arguments, a structuredClone of the value and a
 * tracing event per read) cost more CPU here than the round trip it saves.
 *
 * Invalidations only help while they arrive. A connection that stalls (open,
 * but passing nothing) delivers none and breaks nothing, so with
 * `proofMaxAgeMs` a copy is answered only while the connection has recently
 * proved it is flowing: Redis answers a connection's commands in order, and
 * the invalidation pushes caused by writes it ran before a command precede
 * that command's reply on the same connection. A reply to a command sent at
 * time t (a heartbeat PING or any read) therefore proves every invalidation
 * for a write completed before t has been applied here (`prove(t)`). While
 * the newest proof is older than `proofMaxAgeMs`, nothing is answered from
 * memory and every read goes to Redis, which fails within its command
 * timeout if the connection is stalled. A change made anywhere is thus
 * honoured here within `proofMaxAgeMs`, whatever the connection does.
 */
export class NearCache {
  readonly #entries: LRUCache<string, Entry>;
  /** Reads of a key now in flight to Redis; removed when the key is invalidated, so later reads ask afresh. */
  readonly #flights = new Map<string, Promise<string | null>>();
  readonly #ttlMs: number;
  readonly #proofMaxAgeMs: number;
  #provenAt = Number.NEGATIVE_INFINITY;
  #hits = 0;
  #misses = 0;
  #shared = 0;
  #evictions = 0;

  constructor(
    limits: NearCacheLimits,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.#ttlMs = limits.ttlMs;
    this.#proofMaxAgeMs = limits.proofMaxAgeMs ?? Number.POSITIVE_INFINITY;
    this.#entries = new LRUCache<string, Entry>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (entry, key) => entryBytes(key, entry.value),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.#evictions++;
      },
    });
  }

  /**
   * A reply arrived to a command sent at `sentAt` (by `now()`) on the
   * tracking connection: every invalidation Redis sent before it is applied.
   */
  prove(sentAt: number): void {
    if (sentAt > this.#provenAt) this.#provenAt = sentAt;
  }

  /** Whether copies may be answered now: the newest proof is recent enough. */
  get live(): boolean {
    return this.now() - this.#provenAt <= this.#proofMaxAgeMs;
  }

  /** The cached value, or undefined when there is no usable copy (then read through). */
  get(key: string): string | undefined {
    if (!this.live) {
      // Invalidations may be stuck behind a stalled connection: none of these copies is known good.
      if (this.#entries.size > 0) this.#entries.clear();
      return undefined;
    }
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#hits++;
    return entry.value;
  }

  /**
   * Reads through the cache: `read` is the Redis round trip, shared by every
   * caller that asks for `key` while it is in flight. Its answer is kept only
   * if no invalidation of `key` arrived meanwhile, and never past the key's
   * own expiry when `read` tells it (NearRead).
   */
  readThrough(key: string, read: () => Promise<string | null | NearRead>): Promise<string | null> {
    const inFlight = this.#flights.get(key);
    if (inFlight !== undefined) {
      this.#shared++;
      return inFlight;
    }
    this.#misses++;
    const startedAt = this.now();
    const flight: Promise<string | null> = read().then(
      (answer) => {
        const { value, remainingMs } = typeof answer === 'object' && answer !== null ? answer : { value: answer, remainingMs: null };
        if (this.#flights.get(key) !== flight) return value; // invalidated meanwhile: maybe old, not kept
        this.#flights.delete(key);
        // The key's expiry counts from when the read was sent, the earliest Redis may have measured it.
        const expiresAt = Math.min(this.now() + this.#ttlMs, remainingMs === null ? Number.POSITIVE_INFINITY : startedAt + remainingMs);
        if (value !== null && expiresAt > this.now()) this.#entries.set(key, { value, expiresAt });
        return value;
      },
      (error: unknown) => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        throw error;
      },
    );
    this.#flights.set(key, flight);
    return flight;
  }

  /** Redis said `key` changed (null: everything may have). */
  invalidate(key: string | null): void {
    if (key === null) {
      this.#entries.clear();
      this.#flights.clear();
    } else {
      this.#entries.delete(key);
      this.#flights.delete(key);
    }
  }

  /** The connection broke or was replaced: invalidations may have been lost, and earlier proofs say nothing of the next one. */
  clear(): void {
    this.invalidate(null);
    this.#provenAt = Number.NEGATIVE_INFINITY;
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): NearCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      shared: this.#shared,
      evictions: this.#evictions,
      entries: this.#entries.size,
      bytes: this.#entries.calculatedSize,
    };
  }
}

interface Entry {
  /** undefined while the read that will fill it is in flight. */
  value: string | undefined;
  expiresAt: number;
}

/**
 * Copies of Redis values in this process, kept exact by Redis itself: with
 * client tracking on, Redis sends an `invalidate` message for every key this
 * connection read as soon as any client writes, deletes or expires it, and
 * the copy is dropped. A read that is still in flight when its key is
 * invalidated is not kept (it may carry the old value). `ttlMs` bounds how
 * long a copy lives regardless; `clear()` runs whenever the connection
 * breaks or is replaced, since invalidations may then have been missed.
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
  readonly #entries = new Map<string, Entry>();
  #provenAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = performance.now.bind(performance),
    /** Without it, copies need no proof (unit tests of the cache alone). */
    private readonly proofMaxAgeMs: number = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * A reply arrived to a command sent at `sentAt` (by `now()`) on the
   * tracking connection: every invalidation Redis sent before it is applied.
   */
  prove(sentAt: number): void {
    if (sentAt > this.#provenAt) this.#provenAt = sentAt;
  }

  /** Whether copies may be answered now: the newest proof is recent enough. */
  get live(): boolean {
    return this.now() - this.#provenAt <= this.proofMaxAgeMs;
  }

  /** The cached value, or undefined when there is no usable copy. */
  get(key: string): string | undefined {
    if (!this.live) {
      // Invalidations may be stuck behind a stalled connection: none of these copies is known good.
      if (this.#entries.size > 0) this.#entries.clear();
      return undefined;
    }
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.value === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * Reads through the cache: `read` is the Redis round trip. Its answer is
   * kept only if no invalidation of `key` arrived while it was in flight.
   */
  async readThrough(key: string, read: () => Promise<string | null>): Promise<string | null> {
    const pending: Entry = { value: undefined, expiresAt: 0 };
    this.#entries.delete(key); // re-inserted last: Map order is the eviction order
    this.#entries.set(key, pending);
    this.#evictOverflow();
    let value: string | null;
    try {
      value = await read();
    } catch (error) {
      if (this.#entries.get(key) === pending) this.#entries.delete(key);
      throw error;
    }
    if (this.#entries.get(key) !== pending) return value;
    if (value === null) {
      this.#entries.delete(key);
    } else {
      pending.value = value;
      pending.expiresAt = this.now() + this.ttlMs;
    }
    return value;
  }

  /** Redis said `key` changed (null: everything may have). */
  invalidate(key: string | null): void {
    if (key === null) this.#entries.clear();
    else this.#entries.delete(key);
  }

  /** The connection broke or was replaced: invalidations may have been lost, and earlier proofs say nothing of the next one. */
  clear(): void {
    this.#entries.clear();
    this.#provenAt = Number.NEGATIVE_INFINITY;
  }

  get size(): number {
    return this.#entries.size;
  }

  #evictOverflow(): void {
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.maxEntries) return;
      this.#entries.delete(oldest);
    }
  }
}

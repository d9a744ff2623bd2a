/**
 * The small key-value store behind login sessions, the credential cache, replay
 * caches and locks. Redis implements it for production; an in-process map
 * implements it for a single demo instance. Keys are given without the
 * configured prefix; the store adds it. Every method rejects (never hangs) when
 * the backend is unreachable, so callers can fail closed: with a RolegateError
 * dependency_unavailable (503) naming the store ("Redis is unavailable; try
 * again shortly"), or naming the use a feature makes of it (see `named`).
 * `ping` and `close` reject with the backend's own short reason instead.
 */
/** A member to add to a set, and how long the set must live at least (see KvStore.setAndIndex). */
export interface SetMembership {
  key: string;
  member: string;
  ttlMs?: number;
}

export interface KvStore {
  /** What backs this store, as named in health checks: `redis` or `memory`. */
  readonly backend: 'redis' | 'memory';
  /**
   * The same store (same connection, same keys), whose failures name
   * `dependency` — how a feature calls its use of it, e.g. "The session store
   * (Redis)". Taken once where the feature's store is built.
   */
  named(dependency: string): KvStore;
  get(key: string): Promise<string | null>;
  /** Sets a value, expiring after `ttlMs` when given. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Sets the value only if the key is absent; true when this call set it. Atomic. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Reads and deletes in one atomic step (consume-once values). */
  take(key: string): Promise<string | null>;
  /** Deletes keys; returns how many existed. */
  delete(...keys: string[]): Promise<number>;
  /** Deletes the key only while it still holds `value` (releasing a lock we own). Atomic. */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** Remaining time to live in ms; null when the key is absent or never expires. */
  ttlMs(key: string): Promise<number | null>;
  /** Adds a member to a set, (re)setting the set's expiry when `ttlMs` is given. */
  addToSet(key: string, member: string, ttlMs?: number): Promise<void>;
  /**
   * Sets a value expiring after `ttlMs` and adds a member to each of `indexes`, in one atomic step
   * (one round trip): the value first, so no set names a value that was not written. A set given
   * a `ttlMs` is made to live at least that long (a set already living longer, or never expiring,
   * keeps its expiry); a set without one keeps whatever expiry it has.
   */
  setAndIndex(key: string, value: string, ttlMs: number, indexes: readonly SetMembership[]): Promise<void>;
  removeFromSet(key: string, ...members: string[]): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  publish(channel: string, message: string): Promise<void>;
  /** Calls `handler` for every message on `channel` until the returned function is called. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Resolves when the backend answers; rejects with a short reason otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

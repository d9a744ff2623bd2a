import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../../ports/clock.js';
import type { KvStore, SetMembership } from '../../ports/kv-store.js';
import { reportingFailuresAs } from '../dependency-failures.js';

interface Entry<T> {
  value: T;
  expiresAt: number | null;
}

const SWEEP_INTERVAL_MS = 30_000;

/** Health probes show ping's own reason; closing is best effort. */
const UNTRANSLATED = ['ping', 'close'] as const;

/**
 * The in-process KvStore for a single instance without Redis (the embedded
 * defaults). Same semantics as the Redis store: lazy expiry on read plus a
 * periodic sweep so expired entries do not accumulate. It fails only once
 * closed, then as every adapter does (dependency_unavailable).
 */
export class MemoryKvStore implements KvStore {
  readonly backend = 'memory' as const;
  readonly #values = new Map<string, Entry<string>>();
  readonly #sets = new Map<string, Entry<Set<string>>>();
  readonly #bus = new EventEmitter();
  readonly #clock: Clock;
  readonly #sweeper: NodeJS.Timeout;
  #closed = false;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
    this.#bus.setMaxListeners(0);
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
    // Callers get the store whose failures are translated (see reportingFailuresAs).
    return reportingFailuresAs(this, 'The in-process store', { untranslated: UNTRANSLATED });
  }

  named(dependency: string): KvStore {
    return reportingFailuresAs<KvStore>(this, dependency, { untranslated: UNTRANSLATED });
  }

  get(key: string): Promise<string | null> {
    return this.#run(() => this.#live(this.#values, key)?.value ?? null);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.#run(() => {
      this.#sets.delete(key);
      this.#values.set(key, { value, expiresAt: this.#expiry(ttlMs) });
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#run(() => {
      if (this.#live(this.#values, key) || this.#live(this.#sets, key)) return false;
      this.#values.set(key, { value, expiresAt: this.#expiry(ttlMs) });
      return true;
    });
  }

  take(key: string): Promise<string | null> {
    return this.#run(() => {
      const entry = this.#live(this.#values, key);
      this.#values.delete(key);
      return entry?.value ?? null;
    });
  }

  delete(...keys: string[]): Promise<number> {
    return this.#run(() => {
      let count = 0;
      for (const key of keys) {
        const existed = this.#live(this.#values, key) ?? this.#live(this.#sets, key);
        this.#values.delete(key);
        this.#sets.delete(key);
        if (existed) count++;
      }
      return count;
    });
  }

  deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.#run(() => {
      if (this.#live(this.#values, key)?.value !== value) return false;
      this.#values.delete(key);
      return true;
    });
  }

  ttlMs(key: string): Promise<number | null> {
    return this.#run(() => {
      const entry = this.#live(this.#values, key) ?? this.#live(this.#sets, key);
      return entry?.expiresAt == null ? null : entry.expiresAt - this.#clock.now();
    });
  }

  addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    return this.#run(() => {
      const entry = this.#live(this.#sets, key) ?? { value: new Set<string>(), expiresAt: null };
      entry.value.add(member);
      if (ttlMs !== undefined) entry.expiresAt = this.#expiry(ttlMs);
      this.#values.delete(key);
      this.#sets.set(key, entry);
    });
  }

  setAndIndex(key: string, value: string, ttlMs: number, indexes: readonly SetMembership[]): Promise<void> {
    return this.#run(() => {
      const expiresAt = this.#expiry(ttlMs);
      // Every ttl is checked before anything is written (a refused call changes nothing).
      const atLeast = indexes.map((index) => this.#expiry(index.ttlMs));
      this.#sets.delete(key);
      this.#values.set(key, { value, expiresAt });
      indexes.forEach((index, i) => {
        const until = atLeast[i] ?? null;
        const entry = this.#live(this.#sets, index.key) ?? { value: new Set<string>(), expiresAt: until };
        entry.value.add(index.member);
        if (until !== null && entry.expiresAt !== null && entry.expiresAt < until) entry.expiresAt = until;
        this.#values.delete(index.key);
        this.#sets.set(index.key, entry);
      });
    });
  }

  removeFromSet(key: string, ...members: string[]): Promise<void> {
    return this.#run(() => {
      const entry = this.#live(this.#sets, key);
      if (!entry) return;
      for (const member of members) entry.value.delete(member);
      if (entry.value.size === 0) this.#sets.delete(key);
    });
  }

  setMembers(key: string): Promise<string[]> {
    return this.#run(() => [...(this.#live(this.#sets, key)?.value ?? [])]);
  }

  publish(channel: string, message: string): Promise<void> {
    return this.#run(() => {
      // Deliver asynchronously, like a real broker would.
      queueMicrotask(() => this.#bus.emit(channel, message));
    });
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    return this.#run(() => {
      this.#bus.on(channel, handler);
      return () => {
        this.#bus.off(channel, handler);
        return Promise.resolve();
      };
    });
  }

  ping(): Promise<void> {
    return this.#run(() => undefined);
  }

  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#bus.removeAllListeners();
    return Promise.resolve();
  }

  #run<T>(operation: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the in-process store is closed'));
    try {
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #expiry(ttlMs: number | undefined): number | null {
    if (ttlMs === undefined) return null;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${String(ttlMs)}`);
    return this.#clock.now() + Math.ceil(ttlMs);
  }

  #live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= this.#clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    for (const key of this.#values.keys()) this.#live(this.#values, key);
    for (const key of this.#sets.keys()) this.#live(this.#sets, key);
  }
}

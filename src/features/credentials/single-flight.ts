import { randomUUID } from 'node:crypto';
import type { KvStore } from '../../ports/kv-store.js';

/** What the one producer of a flight tells everyone waiting on it. */
export type FlightOutcome = { ok: true; value: string } | { ok: false; error: FlightError };

/** An error that can travel between processes: a code, a message and when to retry, nothing more. */
export interface FlightError {
  code: string;
  message: string;
  /** When to try again (a Retry-After value), for errors that have one. */
  retryAfter?: string;
}

export interface SingleFlightOptions {
  /** Key prefix for locks and channels, e.g. `flight:credentials:`. */
  namespace: string;
  /** How long a producer may hold the lock; a crashed producer frees it after this. */
  lockTtlMs: number;
  /** How long a follower waits for the producer's outcome before trying to produce itself. */
  waitMs: number;
  /** How many times a follower may find the lock held before giving up. */
  maxAttempts?: number;
}

export interface Flight {
  /** Read the shared result when it already exists (e.g. a cache lookup); undefined when absent. */
  lookup(): Promise<string | undefined>;
  /** Produce the result (e.g. call STS and write the cache). Runs at most once at a time, across processes. */
  produce(): Promise<string>;
  /** Turn a producer's failure into something that can be told to followers. */
  describeError(error: unknown): FlightError;
  /** Rebuild a follower-side error from what the producer told. */
  reviveError(error: FlightError): Error;
}

export class FlightAbandoned extends Error {
  override name = 'FlightAbandoned';
}

/**
 * Makes concurrent requests for the same key share one production — within a
 * process (they await the same promise) and across processes sharing the
 * store (a short `SET NX` lock; followers wait for the producer's outcome on a
 * pub/sub channel, then read the shared result). A producer that dies frees the
 * lock when it expires and a follower takes over.
 */
export class SingleFlight {
  readonly #inProcess = new Map<string, Promise<string>>();
  readonly #kv: KvStore;
  readonly #options: Required<SingleFlightOptions>;
  /** Followers currently waiting in this process (a gauge for metrics). */
  waiting = 0;

  constructor(kv: KvStore, options: SingleFlightOptions) {
    this.#kv = kv;
    this.#options = { maxAttempts: 3, ...options };
  }

  run(key: string, flight: Flight): Promise<string> {
    const existing = this.#inProcess.get(key);
    if (existing) return existing;
    const promise = this.#acrossProcesses(key, flight).finally(() => this.#inProcess.delete(key));
    this.#inProcess.set(key, promise);
    return promise;
  }

  async #acrossProcesses(key: string, flight: Flight): Promise<string> {
    const lockKey = `${this.#options.namespace}lock:${key}`;
    const channel = `${this.#options.namespace}done:${key}`;
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      const token = randomUUID();
      if (await this.#kv.setIfAbsent(lockKey, token, this.#options.lockTtlMs)) {
        return this.#produce(flight, lockKey, token, channel);
      }
      const outcome = await this.#follow(flight, channel, lockKey);
      if (outcome?.ok) return outcome.value;
      if (outcome) throw flight.reviveError(outcome.error);
      // No outcome in time: the producer died or is slow. Try to take over.
    }
    throw new FlightAbandoned(`no result for ${key} after ${String(this.#options.maxAttempts)} attempts`);
  }

  async #produce(flight: Flight, lockKey: string, token: string, channel: string): Promise<string> {
    let outcome: FlightOutcome;
    try {
      // Another process may have finished between our miss and our lock.
      const value = (await flight.lookup()) ?? (await flight.produce());
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error: flight.describeError(error) };
      await this.#announce(channel, outcome, lockKey, token);
      throw error;
    }
    await this.#announce(channel, outcome, lockKey, token);
    return outcome.value;
  }

  async #announce(channel: string, outcome: FlightOutcome, lockKey: string, token: string): Promise<void> {
    // Followers learn success by reading the shared result; only errors carry details.
    const message = outcome.ok ? JSON.stringify({ ok: true }) : JSON.stringify(outcome);
    await this.#kv.publish(channel, message).catch(() => undefined);
    await this.#kv.deleteIfEquals(lockKey, token).catch(() => undefined);
  }

  async #follow(flight: Flight, channel: string, lockKey: string): Promise<FlightOutcome | undefined> {
    this.waiting++;
    let timer: NodeJS.Timeout | undefined;
    let tell!: (message: string) => void;
    const announced = new Promise<string>((resolve) => (tell = resolve));
    const unsubscribe = await this.#kv.subscribe(channel, tell);
    try {
      timer = setTimeout(() => tell('timeout'), this.#options.waitMs);
      // The producer may have finished before we subscribed: look once more,
      // and if the lock is already gone without a result, do not wait for it.
      const early = await flight.lookup();
      if (early !== undefined) return { ok: true, value: early };
      if ((await this.#kv.get(lockKey)) === null) return undefined;
      const message = await announced;
      if (message === 'timeout') return undefined;
      const parsed = JSON.parse(message) as FlightOutcome | { ok: true };
      if (!parsed.ok) return parsed;
      const value = await flight.lookup();
      return value === undefined ? undefined : { ok: true, value };
    } finally {
      this.waiting--;
      clearTimeout(timer);
      await unsubscribe().catch(() => undefined);
    }
  }
}

import { randomUUID } from 'node:crypto';
import { RolegateError } from '../../domain/errors.js';
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
  /**
   * Read the shared result when it already exists (e.g. a cache lookup); undefined when absent.
   * Called right after the lock is asked for, without waiting for its answer: a lookup that sends
   * its read synchronously on the store's connection is read by the store after the lock is taken
   * (one round trip for both; see SingleFlight).
   */
  lookup(): Promise<string | undefined>;
  /** Produce the result (e.g. call STS and write the cache). Runs at most once at a time, across processes. */
  produce(): Promise<string>;
  /** Turn a producer's failure into something that can be told to followers. */
  describeError(error: unknown): FlightError;
  /** Rebuild a follower-side error from what the producer told. */
  reviveError(error: FlightError): Error;
}

/** The longest message kept from a producer's error (what a follower shows its caller). */
const MAX_MESSAGE_LENGTH = 500;

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
      // The lock and the lookup go out together, in this order, on one connection (one round trip):
      // Redis reads the result after it took the lock, so a producer that finished between our miss
      // and our lock is seen (it writes its result before it frees the lock).
      const locked = this.#kv.setIfAbsent(lockKey, token, this.#options.lockTtlMs);
      const found = flight.lookup();
      found.catch(() => undefined); // read (or thrown) below; not unhandled while the lock is awaited
      if (await locked) return this.#produce(flight, lockKey, token, channel, found);
      // Held by another producer: its result may already be there.
      const early = await found.catch(() => undefined);
      if (early !== undefined) return early;
      const outcome = await this.#follow(flight, channel, lockKey);
      if (outcome?.ok) return outcome.value;
      if (outcome) throw flight.reviveError(outcome.error);
      // No outcome in time: the producer died or is slow. Try to take over.
    }
    // Contention, not a bug: another request kept the lock for longer than this one may wait. The
    // caller may try again once the holder's lock has run out (RFC 9110 section 10.2.3, Retry-After).
    throw new RolegateError('dependency_unavailable', {
      detail: 'Another request for the same credentials is still being served and did not finish in time; try again shortly',
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(this.#options.lockTtlMs / 1000))) },
    });
  }

  async #produce(flight: Flight, lockKey: string, token: string, channel: string, found: Promise<string | undefined>): Promise<string> {
    let outcome: FlightOutcome;
    try {
      // Another process may have finished between our miss and our lock.
      const value = (await found) ?? (await flight.produce());
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
    // Followers learn success by reading the shared result; only errors carry details. Both
    // commands go out together (one round trip); Redis runs them in this order.
    const message = outcome.ok ? JSON.stringify({ ok: true }) : JSON.stringify(outcome);
    await Promise.all([
      this.#kv.publish(channel, message).catch(() => undefined),
      this.#kv.deleteIfEquals(lockKey, token).catch(() => undefined),
    ]);
  }

  async #follow(flight: Flight, channel: string, lockKey: string): Promise<FlightOutcome | undefined> {
    this.waiting++;
    let timer: NodeJS.Timeout | undefined;
    let tell!: (message: string) => void;
    const heard = { message: false };
    const announced = new Promise<string>((resolve) => (tell = resolve));
    const unsubscribe = await this.#kv.subscribe(channel, (message) => {
      heard.message = true;
      tell(message);
    });
    try {
      timer = setTimeout(() => tell('timeout'), this.#options.waitMs);
      // The producer may have finished before we subscribed: look once more,
      // and if the lock is already gone without a result, do not wait for it —
      // unless its announcement (published just before it let go, on the
      // subscriber connection) has arrived: an error is then the answer.
      const early = await flight.lookup();
      if (early !== undefined) return { ok: true, value: early };
      if ((await this.#kv.get(lockKey)) === null && !heard.message) return undefined;
      const message = await announced;
      if (message === 'timeout') return undefined;
      const parsed = parseAnnouncement(message);
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

/**
 * What a producer announced, checked: the message crossed Redis, so it may
 * come from another version of rolegate or be garbled. Anything that is not a
 * well-formed outcome reads as a failure with code `unknown` (the caller's
 * reviveError turns codes it does not know into a 503), never as a success.
 */
export function parseAnnouncement(message: string): FlightOutcome | { ok: true } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { ok, error } = parsed as { ok?: unknown; error?: unknown };
    if (ok === true) return { ok: true };
    if (ok === false && typeof error === 'object' && error !== null) {
      const { code, message: text, retryAfter } = error as { code?: unknown; message?: unknown; retryAfter?: unknown };
      if (typeof code === 'string' && typeof text === 'string') {
        const retry = typeof retryAfter === 'string' && /^\d{1,5}$/.test(retryAfter) ? { retryAfter } : {};
        return { ok: false, error: { code: code.slice(0, 100), message: text.slice(0, MAX_MESSAGE_LENGTH), ...retry } };
      }
    }
  }
  return { ok: false, error: { code: 'unknown', message: 'the exchange ended with an outcome this instance cannot read' } };
}

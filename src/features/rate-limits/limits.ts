import { createHash } from 'node:crypto';
import { RolegateError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { RateLimiter, RateLimiterStore } from '../../ports/rate-limiter.js';

/** Every limit rolegate enforces; the names are the `rateLimits.*` configuration keys and the metric's `limit` label. */
export type LimitName =
  | 'stsExchangesPerRole'
  | 'stsExchangesPerUser'
  | 'consoleUrlsPerUser'
  | 'loginStartsPerIp'
  | 'loginCallbacksPerIp'
  | 'oauthTokenRequestsPerClientIp'
  | 'deviceAuthorizationsPerIp'
  | 'pendingLoginsPerIp'
  | 'pendingLoginsTotal';

export interface LimitSpec {
  /** Events per key per window; 0 turns the limit off. */
  points: number;
  windowSeconds: number;
  /**
   * When the store cannot count: `allow` lets the request through (logged,
   * counted), `refuse` answers 503. Never a 500 either way.
   */
  whenStoreDown: 'allow' | 'refuse';
  /** A limit whose events are given back later (pending sign-ins); no in-memory block then. */
  refundable?: boolean;
  /** The refusal's detail, shown to the caller: what was too much. */
  refusal: string;
  /** What is down, for the 503 of a `refuse` limit. */
  store?: string;
}

/** Counts what the limits do, for metrics; the composition root wires it to Prometheus. */
export interface LimitsObserver {
  limited(limit: LimitName): void;
  storeFailed(limit: LimitName, decision: 'allowed' | 'refused'): void;
}

/** A counted event that may be given back later (refund): which limit, which hashed key, until when. */
export interface LimitTicket {
  limit: LimitName;
  key: string;
  /** Epoch ms when the window it was counted in ends; a later refund would credit the next window. */
  until: number;
}

/** At most one warn line per limit in this interval where a per-key "first refusal" is not known. */
const WARN_INTERVAL_MS = 30_000;

/**
 * rolegate's rate limits over one store: each call counts one event for a
 * subject (a user id, a client address, a client and address), hashed so the
 * store and the logs do not hold addresses or ids in clear. A refused event is a
 * 429 `rate_limited` with Retry-After (whole seconds), counted in the metric
 * every time and logged at warn once per key and window (a flood would
 * otherwise flood the log too).
 */
export class Limits {
  readonly #limiters = new Map<LimitName, { limiter: RateLimiter; spec: LimitSpec }>();
  readonly #lastStoreErrorLog = new Map<LimitName, number>();
  readonly #lastRefusalLog = new Map<LimitName, number>();

  constructor(
    store: RateLimiterStore,
    specs: Record<LimitName, LimitSpec>,
    private readonly observer: LimitsObserver,
    private readonly clock: Clock,
  ) {
    for (const [name, spec] of Object.entries(specs) as [LimitName, LimitSpec][]) {
      if (spec.points <= 0) continue;
      const limiter = store.limiter(name, { points: spec.points, windowSeconds: spec.windowSeconds, blockInMemory: !spec.refundable });
      this.#limiters.set(name, { limiter, spec });
    }
  }

  /** Whether the limit is on (points > 0). */
  enabled(name: LimitName): boolean {
    return this.#limiters.has(name);
  }

  /**
   * Counts one event of `subject` against `name`: resolves with the ticket of
   * the counted event (undefined when the limit is off, or it failed open), or
   * rejects with 429 `rate_limited` — or 503 when the store is down and the
   * limit refuses then.
   */
  async enforce(name: LimitName, subject: string, log: Logger): Promise<LimitTicket | undefined> {
    const entry = this.#limiters.get(name);
    if (!entry) return undefined;
    const key = hashed(subject);
    let outcome;
    try {
      outcome = await entry.limiter.consume(key);
    } catch (error) {
      return this.#storeDown(name, entry.spec, error, log);
    }
    if (outcome.allowed) return { limit: name, key, until: this.clock.now() + outcome.windowEndsInMs };
    let first = outcome.first;
    if (entry.spec.refundable) {
      // A refused event holds no place: give it back, or finished sign-ins could never bring the
      // count under the cap again within the window. Every refusal then looks like the first,
      // so the warn line is throttled per limit instead.
      await entry.limiter.refund(key).catch(() => undefined);
      first = this.#due(this.#lastRefusalLog, name);
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    this.observer.limited(name);
    const fields = { event: 'rate_limited', limit: name, key, retryAfterSeconds };
    if (first) log.warn(fields, 'rate limit reached');
    else log.debug(fields, 'rate limited');
    throw new RolegateError('rate_limited', {
      detail: `${entry.spec.refusal}; try again in ${String(retryAfterSeconds)} s`,
      headers: { 'Retry-After': String(retryAfterSeconds) },
      extras: { limit: name, retryAfterSeconds },
    });
  }

  /** Gives a counted event back while its window lasts. Best effort: a failure only leaves the count a little high. */
  async refund(ticket: LimitTicket, log: Logger): Promise<void> {
    const entry = this.#limiters.get(ticket.limit);
    if (!entry || this.clock.now() >= ticket.until) return;
    await entry.limiter
      .refund(ticket.key)
      .catch((error: unknown) =>
        log.debug({ limit: ticket.limit, reason: (error as Error).message }, 'could not give back a rate-limit count'),
      );
  }

  /** Whether a throttled warn line for `name` is due (at most one per interval), and if so, notes it. */
  #due(last: Map<LimitName, number>, name: LimitName): boolean {
    const now = this.clock.now();
    if (now - (last.get(name) ?? -Infinity) < WARN_INTERVAL_MS) return false;
    last.set(name, now);
    return true;
  }

  #storeDown(name: LimitName, spec: LimitSpec, error: unknown, log: Logger): undefined {
    const decision = spec.whenStoreDown === 'allow' ? 'allowed' : 'refused';
    this.observer.storeFailed(name, decision);
    if (this.#due(this.#lastStoreErrorLog, name)) {
      log.warn({ limit: name, decision, reason: (error as Error).message }, `rate limit cannot be counted; request ${decision}`);
    }
    if (decision === 'allowed') return undefined;
    throw new RolegateError('dependency_unavailable', {
      detail: `${spec.store ?? 'The rate-limit store (Redis)'} is unavailable; try again shortly`,
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
}

/** A short, stable key for a subject, so user ids and client addresses are not kept in clear in Redis or the logs. */
function hashed(subject: string): string {
  return createHash('sha256').update(subject).digest('base64url').slice(0, 22);
}

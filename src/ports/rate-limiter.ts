/** What counting one event against a limit decided. */
export type RateLimitOutcome =
  | {
      allowed: true;
      /** When the current window ends (ms from now): a refund after it would count against the next one. */
      windowEndsInMs: number;
    }
  | {
      allowed: false;
      /** When the key may try again. */
      retryAfterMs: number;
      /** The first refusal of this key in this window: worth a warn line; the rest are noise. */
      first: boolean;
    };

/**
 * Counts events per key in fixed windows and refuses those beyond the budget.
 * Every instance on the same store shares the counts (Redis); the in-process
 * store counts for one instance. Keys are given hashed by the caller and are
 * never secrets. Rejects (never hangs) when the store cannot answer, so the
 * caller decides whether that allows or refuses.
 */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitOutcome>;
  /** Gives one event back (a sign-in that finished no longer counts as pending). */
  refund(key: string): Promise<void>;
}

export interface RateLimiterSettings {
  /** Events allowed per key in one window. */
  points: number;
  /** The window, in whole seconds. */
  windowSeconds: number;
  /**
   * Once a key is over its budget, refuse it from this process's memory until
   * the window ends instead of asking the store again (flood protection for the
   * store). Not for refundable limits: a refund would not lift the local block.
   */
  blockInMemory: boolean;
}

/** Where rate-limit counts live: Redis (shared) or this process. */
export interface RateLimiterStore {
  readonly backend: 'redis' | 'memory';
  /** A limiter named `name` (part of its keys: two limits never share counts). */
  limiter(name: string, settings: RateLimiterSettings): RateLimiter;
  close(): Promise<void>;
}

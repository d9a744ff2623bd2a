import { createClient } from 'redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../ports/logger.js';
import type { RateLimiter, RateLimiterSettings, RateLimiterStore, RateLimitOutcome } from '../../ports/rate-limiter.js';
import { withTimeout } from '../../support/with-timeout.js';
import { describeRedisError } from '../redis/redis-kv-store.js';
import { tlsSocketOptions, type RedisTlsOptions } from '../redis/redis-tls.js';

export interface RedisRateLimitersOptions {
  url: string;
  /** For rediss:// URLs: a private CA bundle, the certificate's expected name. */
  tls?: RedisTlsOptions;
  /** The configured Redis key prefix; limits live under `<prefix>rate-limit:<name>:`. */
  keyPrefix: string;
  connectTimeoutMs: number;
  /** How long one count may take before it is reported as failed. */
  commandTimeoutMs?: number;
  logger: Logger;
}

const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Rate limits in Redis, counted by rate-limiter-flexible (one atomic Lua
 * script per count: SET NX EX, INCRBY, PTTL), so every instance shares them.
 * It has a connection of its own: RESP2, no client tracking, no offline queue
 * (a count while disconnected fails at once instead of waiting), so the near
 * cache of the main connection never hears about counters.
 */
export async function connectRedisRateLimiters(options: RedisRateLimitersOptions): Promise<RateLimiterStore> {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 3000) + Math.floor(Math.random() * 200),
      ...tlsSocketOptions(options.tls),
    },
  });
  let connected = false;
  let lastError: unknown;
  let lastLoggedAt = 0;
  client.on('error', (error: unknown) => {
    lastError = error;
    const now = Date.now();
    if (connected && now - lastLoggedAt > ERROR_LOG_INTERVAL_MS) {
      options.logger.warn(
        { dependency: 'redis rate limits', reason: describeRedisError(error) },
        'redis rate-limit connection lost; reconnecting',
      );
      lastLoggedAt = now;
    }
  });
  client.on('ready', () => (connected = true));
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs, () => (lastError ? describeRedisError(lastError) : 'timed out'));
  } catch (error) {
    client.destroy();
    throw new Error(describeRedisError(lastError ?? error), { cause: error });
  }
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  return {
    backend: 'redis',
    limiter: (name, settings) =>
      new FlexibleRateLimiter(
        new RateLimiterRedis({
          storeClient: client,
          useRedisPackage: true,
          // Fail at once while disconnected rather than queueing behind a reconnect.
          rejectIfRedisNotReady: true,
          keyPrefix: `${options.keyPrefix}rate-limit:${name}`,
          points: settings.points,
          duration: settings.windowSeconds,
          ...(settings.blockInMemory ? { inMemoryBlockOnConsumed: settings.points + 1 } : {}),
        }),
        settings,
        timeoutMs,
      ),
    close: async () => {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}

/** Rate limits in this process (the embedded single-instance store). */
export function memoryRateLimiters(): RateLimiterStore {
  return {
    backend: 'memory',
    limiter: (name, settings) =>
      new FlexibleRateLimiter(
        new RateLimiterMemory({ keyPrefix: name, points: settings.points, duration: settings.windowSeconds }),
        settings,
        undefined,
      ),
    close: () => Promise.resolve(),
  };
}

/** The port over one rate-limiter-flexible limiter: its refusals are answers, its other rejections store failures. */
class FlexibleRateLimiter implements RateLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly settings: RateLimiterSettings,
    private readonly timeoutMs: number | undefined,
  ) {}

  async consume(key: string): Promise<RateLimitOutcome> {
    try {
      const res = await this.#bounded(this.limiter.consume(key));
      return { allowed: true, windowEndsInMs: Math.max(0, res.msBeforeNext) };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw asError(rejection);
      // A refusal from the in-memory block carries 0 consumed points; only the count that
      // first went over the budget is the first refusal of the window.
      return {
        allowed: false,
        retryAfterMs: Math.max(0, rejection.msBeforeNext),
        first: rejection.consumedPoints === this.settings.points + 1,
      };
    }
  }

  async refund(key: string): Promise<void> {
    try {
      await this.#bounded(this.limiter.reward(key));
    } catch (rejection) {
      throw asError(rejection);
    }
  }

  #bounded<T>(call: Promise<T>): Promise<T> {
    if (this.timeoutMs === undefined) return call;
    return withTimeout(call, this.timeoutMs, () => `Redis did not answer within ${String(this.timeoutMs)} ms`);
  }
}

function asError(rejection: unknown): Error {
  return rejection instanceof Error ? new Error(describeRedisError(rejection), { cause: rejection }) : new Error(String(rejection));
}

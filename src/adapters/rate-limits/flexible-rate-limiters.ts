import { createClient } from 'redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../ports/logger.js';
import type { RateLimiter, RateLimiterSettings, RateLimiterStore, RateLimitOutcome } from '../../ports/rate-limiter.js';
import { withTimeout } from '../../support/with-timeout.js';
import { describeRedisError } from '../redis/redis-kv-store.js';
import { reportingFailuresAs } from '../dependency-failures.js';
import { tlsSocketOptions, type RedisTlsOptions } from '../redis/redis-tls.js';
import { isReplicaRefusal, primaryFromSentinels, PrimaryFollower, urlAt, type SentinelOptions } from '../redis/sentinel.js';

export interface RedisRateLimitersOptions {
  url: string;
  /** For rediss:// URLs: a private CA bundle, the certificate's expected name. */
  tls?: RedisTlsOptions;
  /** Redis Sentinel: counts go to the primary the sentinels name, followed across failovers. */
  sentinel?: SentinelOptions;
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
  let url = options.url;
  if (options.sentinel) {
    try {
      url = urlAt(url, await primaryFromSentinels(options.sentinel, options.connectTimeoutMs));
    } catch (error) {
      throw new Error(`redis.sentinel (ROLEGATE_REDIS_SENTINELS): ${(error as Error).message}`, { cause: error });
    }
  }
  let client = await openClient(url, options);
  let closed = false;
  const follower = options.sentinel && new PrimaryFollower(options.sentinel, options.connectTimeoutMs, options.logger, 'redis rate limits');
  /** With Sentinel: when the primary moved, counts go to a connection to it, and the old one is dropped. */
  const followPrimary = () =>
    follower?.check(url, (movedTo, address) => {
      if (closed) return;
      url = movedTo;
      options.logger.warn({ dependency: 'redis rate limits' }, `redis primary moved (Sentinel) to ${address.host}:${String(address.port)}; connecting to it`);
      const old = client;
      client = newClient(url, options);
      watch(client, options.logger, followPrimary);
      old.destroy();
      client.connect().catch(() => undefined); // retries on its own; errors are logged by watch()
    });
  watch(client, options.logger, follower ? followPrimary : undefined);
  // rate-limiter-flexible keeps the client it was given: with Sentinel it is given this stand-in
  // for whichever connection is current.
  const storeClient: RedisClient = follower
    ? new Proxy(client, {
        get(_target, property) {
          const value: unknown = Reflect.get(client, property);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(client) : value;
        },
      })
    : client;
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  return {
    backend: 'redis',
    limiter: (name, settings) =>
      new FlexibleRateLimiter(
        new RateLimiterRedis({
          storeClient,
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
        'The rate-limit store (Redis)',
        follower ? (error) => (isReplicaRefusal(error) ? followPrimary() : undefined) : undefined,
      ),
    close: async () => {
      closed = true;
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}

type RedisClient = ReturnType<typeof newClient>;

function newClient(url: string, options: RedisRateLimitersOptions) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 3000) + Math.floor(Math.random() * 200),
      ...tlsSocketOptions(options.tls),
    },
  });
}

/** Connects, or rejects with a short, secret-free reason after connectTimeoutMs. */
async function openClient(url: string, options: RedisRateLimitersOptions): Promise<RedisClient> {
  const client = newClient(url, options);
  let lastError: unknown;
  const remember = (error: unknown) => (lastError = error);
  client.on('error', remember);
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs, () => (lastError ? describeRedisError(lastError) : 'timed out'));
  } catch (error) {
    client.destroy();
    throw new Error(describeRedisError(lastError ?? error), { cause: error });
  } finally {
    client.off('error', remember);
  }
  return client;
}

/** Logs a lost connection at most every 30 s; with Sentinel, each break or reconnect asks where the primary is. */
function watch(client: RedisClient, logger: Logger, followPrimary: (() => void) | undefined): void {
  let lastLoggedAt = 0;
  client.on('error', (error: unknown) => {
    const now = Date.now();
    if (now - lastLoggedAt > ERROR_LOG_INTERVAL_MS) {
      logger.warn({ dependency: 'redis rate limits', reason: describeRedisError(error) }, 'redis rate-limit connection lost; reconnecting');
      lastLoggedAt = now;
    }
  });
  if (followPrimary) for (const event of ['reconnecting', 'ready'] as const) client.on(event, followPrimary);
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
        'The in-process rate-limit store',
      ),
    close: () => Promise.resolve(),
  };
}

/**
 * The port over one rate-limiter-flexible limiter: its refusals are answers,
 * its other rejections store failures (dependency_unavailable naming the store).
 */
class FlexibleRateLimiter implements RateLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly settings: RateLimiterSettings,
    private readonly timeoutMs: number | undefined,
    dependency: string,
    /** Told of every store failure (a write on a replica means the primary moved). */
    private readonly storeFailed?: (error: unknown) => void,
  ) {
    return reportingFailuresAs(this, dependency);
  }

  async consume(key: string): Promise<RateLimitOutcome> {
    try {
      const res = await this.#bounded(this.limiter.consume(key));
      return { allowed: true, windowEndsInMs: Math.max(0, res.msBeforeNext) };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.storeFailed?.(rejection);
        throw asError(rejection);
      }
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
      this.storeFailed?.(rejection);
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

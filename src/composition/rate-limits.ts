import { connectRedisRateLimiters, memoryRateLimiters } from '../adapters/rate-limits/flexible-rate-limiters.js';
import type { PrometheusMetrics } from '../adapters/metrics/prometheus-metrics.js';
import type { Config } from '../config/load-config.js';
import { Limits, type LimitName, type LimitSpec } from '../features/rate-limits/limits.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { RateLimiterStore } from '../ports/rate-limiter.js';

const SESSION_STORE = 'The session store (Redis)';

/**
 * Each limit of `rateLimits.*` with what it refuses and what it does when Redis
 * cannot count (docs/operations.md, "Rate limits"). Sign-in and OAuth endpoints
 * cannot work without Redis anyway, so their limits refuse (503) then; the
 * credential and console limits let the request through, because the issuance
 * path answers its own 503 when Redis is really down and a limiter hiccup alone
 * must not stop people from getting credentials.
 */
export function limitSpecs(config: Config): Record<LimitName, LimitSpec> {
  const r = config.rateLimits;
  const minute = 60;
  const loginWindow = Math.max(1, Math.ceil(config.sessions.loginTimeoutMs / 1000));
  return {
    stsExchangesPerRole: {
      points: r.stsExchangesPerRole,
      windowSeconds: minute,
      whenStoreDown: 'allow',
      refusal: `Too many new AWS sessions for this role (${String(r.stsExchangesPerRole)} a minute)`,
    },
    stsExchangesPerUser: {
      points: r.stsExchangesPerUser,
      windowSeconds: minute,
      whenStoreDown: 'allow',
      refusal: `Too many new AWS sessions for you (${String(r.stsExchangesPerUser)} a minute over all roles)`,
    },
    consoleUrlsPerUser: {
      points: r.consoleUrlsPerUser,
      windowSeconds: minute,
      whenStoreDown: 'allow',
      refusal: `Too many console sign-in links for you (${String(r.consoleUrlsPerUser)} a minute)`,
    },
    loginStartsPerIp: {
      points: r.loginStartsPerIp,
      windowSeconds: minute,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refusal: 'Too many sign-ins started from your network',
    },
    loginCallbacksPerIp: {
      points: r.loginCallbacksPerIp,
      windowSeconds: minute,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refusal: 'Too many sign-in responses from your network',
    },
    oauthTokenRequestsPerClientIp: {
      points: r.oauthTokenRequestsPerClientIp,
      windowSeconds: minute,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refusal: 'Too many token requests from this client and network',
    },
    deviceAuthorizationsPerIp: {
      points: r.deviceAuthorizationsPerIp,
      windowSeconds: minute,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refusal: 'Too many device sign-ins started from your network',
    },
    pendingLoginsPerIp: {
      points: r.pendingLoginsPerIp,
      windowSeconds: loginWindow,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refundable: true,
      refusal: `Too many unfinished sign-ins from your network (${String(r.pendingLoginsPerIp)}); finish one, or wait for them to time out`,
    },
    pendingLoginsTotal: {
      points: r.pendingLoginsTotal,
      windowSeconds: loginWindow,
      whenStoreDown: 'refuse',
      store: SESSION_STORE,
      refundable: true,
      refusal: 'Too many sign-ins are in progress right now',
    },
  };
}

/** The rate-limit store (Redis when configured, else this process) and the limits over it. */
export async function buildLimits(
  config: Config,
  parts: { metrics: PrometheusMetrics; clock: Clock; logger: Logger },
): Promise<{ limits: Limits; store: RateLimiterStore }> {
  const store =
    config.redis.url === undefined
      ? memoryRateLimiters()
      : await connectRedisRateLimiters({
          url: config.redis.url.reveal(),
          keyPrefix: config.redis.keyPrefix,
          connectTimeoutMs: config.redis.connectTimeoutMs,
          logger: parts.logger,
        });
  const { metrics } = parts;
  const limits = new Limits(
    store,
    limitSpecs(config),
    {
      limited: (limit) => metrics.rateLimited.inc({ limit }),
      storeFailed: (limit, decision) => metrics.rateLimitStoreErrors.inc({ limit, decision }),
    },
    parts.clock,
  );
  return { limits, store };
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one rolegate instance, in its own registry (no globals). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rolegate_' });
  const registers = [registry];
  // Gauges read at scrape time from whoever registers a probe (the composition root).
  const probes = {
    singleFlightWaiting: () => 0,
    /** Live CLI sessions (grants neither revoked nor expired), counted in PostgreSQL at scrape time. */
    activeCliSessions: (): Promise<number> => Promise.resolve(0),
    /** Live portal (browser) sessions, counted in Redis at scrape time. */
    activePortalSessions: (): Promise<number> => Promise.resolve(0),
  };
  return {
    registry,
    probes,
    httpRequestDuration: new Histogram({
      name: 'rolegate_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    credentialsIssued: new Counter({
      name: 'rolegate_credentials_issued_total',
      help: 'Credential requests by exchange mode, outcome (success, denied, error) and source (cache, sts, shared = waited on another request).',
      labelNames: ['mode', 'outcome', 'source'] as const,
      registers,
    }),
    credentialCacheLookups: new Counter({
      name: 'rolegate_credential_cache_lookups_total',
      help: 'Credential cache lookups by result (hit, miss). Hit ratio = hit / (hit + miss).',
      labelNames: ['result'] as const,
      registers,
    }),
    stsRequestDuration: new Histogram({
      name: 'rolegate_sts_request_duration_seconds',
      help: 'AWS STS call latency by action and outcome (success, throttled, transient, network, or the AWS error code).',
      labelNames: ['action', 'outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    singleFlightWaiting: new Gauge({
      name: 'rolegate_singleflight_waiting',
      help: 'Requests currently waiting for another instance to finish the same (user, role) exchange.',
      registers,
      collect() {
        this.set(probes.singleFlightWaiting());
      },
    }),
    logins: new Counter({
      name: 'rolegate_logins_total',
      help: 'Sign-ins by IdP slug and outcome (success, denied = refused by rolegate or the IdP, error).',
      labelNames: ['idp', 'outcome'] as const,
      registers,
    }),
    stsErrors: new Counter({
      name: 'rolegate_sts_errors_total',
      help: 'Failed AWS STS calls by action and error code (the AWS error name, or throttled, transient, network). Retries count each attempt.',
      labelNames: ['action', 'code'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rolegate_rate_limited_total',
      help: 'Requests refused with 429 by a rate limit, by limit (the rateLimits.* key).',
      labelNames: ['limit'] as const,
      registers,
    }),
    rateLimitStoreErrors: new Counter({
      name: 'rolegate_rate_limit_store_errors_total',
      help: 'Rate-limit counts that failed because the store (Redis) did not answer, by limit and what was decided instead (allowed, refused = 503).',
      labelNames: ['limit', 'decision'] as const,
      registers,
    }),
    activeSessions: new Gauge({
      name: 'rolegate_active_sessions',
      help: 'Live sessions across all instances, by kind: portal = signed-in browsers, cli = CLI sessions (grants) neither revoked nor expired.',
      labelNames: ['kind'] as const,
      registers,
      async collect() {
        const [portal, cli] = await Promise.all([probes.activePortalSessions().catch(() => 0), probes.activeCliSessions().catch(() => 0)]);
        this.set({ kind: 'portal' }, portal);
        this.set({ kind: 'cli' }, cli);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

import { ACCESS_REQUEST_STATES } from '../../domain/access-requests.js';
import type { Metrics } from '../../ports/metrics.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

/**
 * Prometheus metrics of one rolegate instance, in its own registry (no
 * globals): the counters and histograms that requests and features update.
 * Gauges read at scrape time (probeGauges) join them in prometheusMetrics.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rolegate_' });
  const registers = [registry];
  return {
    registry,
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
    accessRequestDecisionSeconds: new Histogram({
      name: 'rolegate_access_request_decision_seconds',
      help: 'Time from a just-in-time access request to its decision, by decision (approved, denied, auto_approved).',
      labelNames: ['decision'] as const,
      buckets: [1, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400],
      registers,
    }),
    revocationSteps: new Counter({
      name: 'rolegate_revocation_steps_total',
      help: 'Revocation jobs worked on, by outcome: attached, broadened (the precise policy would not fit, a broader Deny was attached), removed (the window ended), failed (retried later), gave_up (the last attempt failed).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    accessGrantsEndedEarly: new Counter({
      name: 'rolegate_access_grants_ended_early_total',
      help: 'Just-in-time grants ended before their end, by reason (cancelled, revoked, mapping_removed).',
      labelNames: ['reason'] as const,
      registers,
    }),
    notificationAttempts: new Counter({
      name: 'rolegate_notification_attempts_total',
      help: 'Webhook delivery attempts by webhook name and outcome: delivered, failed (retried later), dead (the last attempt failed, or the webhook is no longer configured).',
      labelNames: ['target', 'outcome'] as const,
      registers,
    }),
    notificationDeliverySeconds: new Histogram({
      name: 'rolegate_notification_delivery_seconds',
      help: 'How long one webhook delivery attempt took (connect to end of answer), by webhook name and outcome.',
      labelNames: ['target', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

export type PrometheusMetrics = ReturnType<typeof createMetrics>;

/** What the gauges read at scrape time, each from the part that owns it (given by the composition root). */
export interface MetricProbes {
  /** Requests waiting for another instance to finish the same exchange (SingleFlight.waiting). */
  singleFlightWaiting(): number;
  /** Live CLI sessions (grants neither revoked nor expired), counted in PostgreSQL at scrape time. */
  activeCliSessions(): Promise<number>;
  /** Live portal (browser) sessions, counted in Redis at scrape time. */
  activePortalSessions(): Promise<number>;
  /** Each configured IdP, and whether it can be reached (undefined while not known yet). */
  identityProviders(): { idp: string; kind: string; up: boolean | undefined }[];
  /** Whether near-cached Redis values may be answered from memory (the tracking connection proved itself recently). */
  redisNearCacheLive(): boolean | undefined;
  /** What the Redis near cache did and holds (undefined without one). */
  redisNearCache(): NearCacheProbe | undefined;
  /** Stalled Redis connections detected (and replaced) so far. */
  redisStalls(): number;
  /** What the last access-model load held and cost (AccessModelCache.stats). */
  accessModel(): AccessModelProbe | undefined;
  /** The reused GET /api/v1/roles answers (RolesAnswers.stats; absent: not wired). */
  rolesAnswers?(): { entries: number; bytes: number; hits: number; misses: number } | undefined;
  /** Just-in-time access requests in each state, counted in PostgreSQL at scrape time (absent: not wired). */
  accessRequestsByState?(): Promise<Partial<Record<string, number>>>;
  /** Grants this instance's in-memory index holds (active, or approved and starting later). */
  grantsHeld?(): number;
  /** Outbox rows not yet delivered and given up on, counted in PostgreSQL at scrape time (undefined: no webhooks configured). */
  notifications?(): Promise<{ pending: number; dead: number }> | undefined;
}

/** The gauges (and the one counter) whose values are read from `probes` at scrape time, in a registry of their own. */
export function probeGauges(probes: MetricProbes): Registry {
  const registry = new Registry();
  const metrics: Metric[] = [
    new Gauge({
      name: 'rolegate_singleflight_waiting',
      help: 'Requests currently waiting for another instance to finish the same (user, role) exchange.',
      registers: [],
      collect() {
        this.set(probes.singleFlightWaiting());
      },
    }),
    new Gauge({
      name: 'rolegate_identity_provider_up',
      help: 'Per configured IdP: 1 when its metadata or discovery could be read at the last check (or sign-in uses stored metadata), 0 while it is unavailable and being retried.',
      labelNames: ['idp', 'kind'] as const,
      registers: [],
      collect() {
        this.reset();
        for (const { idp, kind, up } of probes.identityProviders()) if (up !== undefined) this.set({ idp, kind }, up ? 1 : 0);
      },
    }),
    new Gauge({
      name: 'rolegate_redis_near_cache_live',
      help: '1 while values may be answered from the near cache: a reply on the Redis tracking connection proved recently that invalidations are flowing; 0 while every read goes to Redis.',
      registers: [],
      collect() {
        const live = probes.redisNearCacheLive();
        if (live !== undefined) this.set(live ? 1 : 0);
      },
    }),
    new Counter({
      name: 'rolegate_redis_near_cache_reads_total',
      help: 'Reads of near-cached Redis keys by result: hit = answered from memory, miss = a round trip to Redis, shared = waited for a read of the same key already in flight (no round trip of its own). Hit ratio = hit / all.',
      labelNames: ['result'] as const,
      registers: [],
      collect() {
        const stats = probes.redisNearCache();
        if (!stats) return;
        this.reset();
        this.inc({ result: 'hit' }, stats.hits);
        this.inc({ result: 'miss' }, stats.misses);
        this.inc({ result: 'shared' }, stats.shared);
      },
    }),
    new Counter({
      name: 'rolegate_redis_near_cache_evictions_total',
      help: 'Near-cached values dropped to stay within redis.nearCacheMaxEntries or redis.nearCacheMaxBytes (least recently used first). A steady rate means the bound is smaller than the working set.',
      registers: [],
      collect() {
        const stats = probes.redisNearCache();
        if (!stats) return;
        this.reset();
        this.inc(stats.evictions);
      },
    }),
    new Gauge({
      name: 'rolegate_redis_near_cache_entries',
      help: 'Values held in the near cache now.',
      registers: [],
      collect() {
        const stats = probes.redisNearCache();
        if (stats) this.set(stats.entries);
      },
    }),
    new Gauge({
      name: 'rolegate_redis_near_cache_bytes',
      help: 'Approximate memory the near cache holds now (keys, values and a fixed allowance per entry), bounded by redis.nearCacheMaxBytes.',
      registers: [],
      collect() {
        const stats = probes.redisNearCache();
        if (stats) this.set(stats.bytes);
      },
    }),
    new Counter({
      name: 'rolegate_redis_stalls_total',
      help: 'Redis connections found stalled (open, but the heartbeat or handshake unanswered within redis.commandTimeoutMs) and replaced.',
      registers: [],
      collect() {
        this.reset();
        this.inc(probes.redisStalls());
      },
    }),
    new Gauge({
      name: 'rolegate_access_model_objects',
      help: 'Objects in the access model this instance decides with, by kind (accounts, roles, mappings).',
      labelNames: ['kind'] as const,
      registers: [],
      collect() {
        const stats = probes.accessModel();
        if (!stats) return;
        for (const kind of ['accounts', 'roles', 'mappings'] as const) this.set({ kind }, stats[kind]);
      },
    }),
    new Gauge({
      name: 'rolegate_access_model_load_seconds',
      help: 'How long the last access-model load took, by phase: read (from PostgreSQL) and index (building the per-version indexes, in slices).',
      labelNames: ['phase'] as const,
      registers: [],
      collect() {
        const stats = probes.accessModel();
        if (!stats) return;
        this.set({ phase: 'read' }, stats.readMs / 1000);
        this.set({ phase: 'index' }, stats.indexMs / 1000);
      },
    }),
    new Gauge({
      name: 'rolegate_access_model_bytes',
      help: 'Heap the access model this instance decides with holds (its accounts, roles, mappings and their indexes), counted from its objects: within ~10% of what a heap measurement finds.',
      registers: [],
      collect() {
        const stats = probes.accessModel();
        if (stats) this.set(stats.approximateBytes);
      },
    }),
    new Counter({
      name: 'rolegate_roles_answers_total',
      help: 'GET /api/v1/roles answers by result: reused = an identical earlier decision served from memory, decided = decided and serialised for this request.',
      labelNames: ['result'] as const,
      registers: [],
      collect() {
        const stats = probes.rolesAnswers?.();
        if (!stats) return;
        this.reset();
        this.inc({ result: 'reused' }, stats.hits);
        this.inc({ result: 'decided' }, stats.misses);
      },
    }),
    new Gauge({
      name: 'rolegate_roles_answers_bytes',
      help: 'Memory the reused GET /api/v1/roles answers hold (their JSON and keys), bounded at 32 MiB.',
      registers: [],
      collect() {
        const stats = probes.rolesAnswers?.();
        if (stats) this.set(stats.bytes);
      },
    }),
    new Gauge({
      name: 'rolegate_access_model_heap_delta_bytes',
      help: 'Heap used after the last access-model load minus before it: roughly what the new model and its indexes hold.',
      registers: [],
      collect() {
        const stats = probes.accessModel();
        if (stats) this.set(stats.heapDeltaBytes);
      },
    }),
    new Gauge({
      name: 'rolegate_access_requests',
      help: 'Just-in-time access requests across all instances, by state; state="active" is the grants in force now.',
      labelNames: ['state'] as const,
      registers: [],
      async collect() {
        if (!probes.accessRequestsByState) return;
        const counts = await probes.accessRequestsByState().catch(() => undefined);
        if (!counts) return;
        // Every state, so a state with none shows 0 rather than no series.
        for (const state of ACCESS_REQUEST_STATES) this.set({ state }, counts[state] ?? 0);
      },
    }),
    new Gauge({
      name: 'rolegate_access_grants_active',
      help: 'Just-in-time grants in force now across all instances (access requests in state active).',
      registers: [],
      async collect() {
        if (!probes.accessRequestsByState) return;
        const counts = await probes.accessRequestsByState().catch(() => undefined);
        if (counts) this.set(counts.active ?? 0);
      },
    }),
    new Gauge({
      name: 'rolegate_access_grants_held',
      help: 'Just-in-time grants this instance holds in memory (active, or approved and starting later): what the credentials path checks without a database round trip.',
      registers: [],
      collect() {
        const held = probes.grantsHeld?.();
        if (held !== undefined) this.set(held);
      },
    }),
    new Gauge({
      name: 'rolegate_active_sessions',
      help: 'Live sessions across all instances, by kind: portal = signed-in browsers, cli = CLI sessions (grants) neither revoked nor expired.',
      labelNames: ['kind'] as const,
      registers: [],
      async collect() {
        const [portal, cli] = await Promise.all([probes.activePortalSessions().catch(() => 0), probes.activeCliSessions().catch(() => 0)]);
        this.set({ kind: 'portal' }, portal);
        this.set({ kind: 'cli' }, cli);
      },
    }),
    new Gauge({
      name: 'rolegate_notifications',
      help: 'Notifications in the outbox across all instances, by state: pending = not yet delivered (waiting or retrying), dead = given up on after notifications.maxAttempts.',
      labelNames: ['state'] as const,
      registers: [],
      async collect() {
        const counts = await probes.notifications?.()?.catch(() => undefined);
        if (counts === undefined) return;
        this.set({ state: 'pending' }, counts.pending);
        this.set({ state: 'dead' }, counts.dead);
      },
    }),
  ];
  for (const metric of metrics) registry.registerMetric(metric);
  return registry;
}

/** The Metrics port: requests observed into `instruments`, scrapes answered with them and the probe gauges. */
export function prometheusMetrics(instruments: PrometheusMetrics, probes: MetricProbes): Metrics {
  const registry = Registry.merge([instruments.registry, probeGauges(probes)]);
  return {
    observeHttpRequest: (method, route, statusCode, seconds) =>
      instruments.httpRequestDuration.observe({ method, route, status_code: statusCode }, seconds),
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}

/** The near cache's counters since start-up and what it holds (the adapter's NearCacheStats). */
export interface NearCacheProbe {
  hits: number;
  misses: number;
  shared: number;
  evictions: number;
  entries: number;
  bytes: number;
}

export interface AccessModelProbe {
  accounts: number;
  roles: number;
  mappings: number;
  readMs: number;
  indexMs: number;
  heapDeltaBytes: number;
  /** What the current version holds (lists and indexes), counted from its objects. */
  approximateBytes: number;
}

import { describe, expect, it } from 'vitest';
import { createMetrics, prometheusMetrics, type MetricProbes } from '../../src/adapters/metrics/prometheus-metrics.js';
import type { Metrics } from '../../src/ports/metrics.js';

// The Metrics port (src/ports/metrics.ts): what the HTTP layer reports, and what GET /metrics shows.

const quiet: MetricProbes = {
  singleFlightWaiting: () => 0,
  activeCliSessions: () => Promise.resolve(0),
  activePortalSessions: () => Promise.resolve(0),
  identityProviders: () => [],
  redisNearCacheLive: () => undefined,
  redisNearCache: () => undefined,
  redisStalls: () => 0,
  accessModel: () => undefined,
};

const implementations: { name: string; create: (probes: MetricProbes) => Metrics }[] = [
  { name: 'prometheus', create: (probes) => prometheusMetrics(createMetrics(), probes) },
];

/** The value of one sample line `name{labels} value` (labels in the order written), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(implementations)('Metrics contract: $name', ({ create }) => {
  it('when requests are observed, then the scrape counts them by method, route pattern and status', async () => {
    const metrics = create(quiet);
    metrics.observeHttpRequest('POST', '/api/v1/credentials', 200, 0.002);
    metrics.observeHttpRequest('POST', '/api/v1/credentials', 200, 0.004);
    metrics.observeHttpRequest('GET', 'unmatched', 404, 0.001);
    const { contentType, text } = await metrics.scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const count = (labels: string) => sample(text, `rolegate_http_request_duration_seconds_count{${labels}}`);
    expect(count('method="POST",route="/api/v1/credentials",status_code="200"')).toBe(2);
    expect(count('method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(
      sample(text, 'rolegate_http_request_duration_seconds_sum{method="POST",route="/api/v1/credentials",status_code="200"}'),
    ).toBeCloseTo(0.006);
  });

  it('when the probes change, then each scrape reads them anew (nothing is copied at construction)', async () => {
    let waiting = 1;
    let portal = 3;
    const metrics = create({
      ...quiet,
      singleFlightWaiting: () => waiting,
      activePortalSessions: () => Promise.resolve(portal),
      activeCliSessions: () => Promise.resolve(2),
      identityProviders: () => [
        { idp: 'corp', kind: 'oidc', up: true },
        { idp: 'partner', kind: 'saml', up: false },
        { idp: 'new', kind: 'oidc', up: undefined },
      ],
      redisNearCacheLive: () => true,
      redisNearCache: () => ({ hits: 90, misses: 8, shared: 2, evictions: 3, entries: 5, bytes: 4096 }),
      redisStalls: () => 4,
      accessModel: () => ({ accounts: 5, roles: 6, mappings: 7, readMs: 80, indexMs: 20, heapDeltaBytes: 1024, approximateBytes: 65_536 }),
      rolesAnswers: () => ({ entries: 2, bytes: 8192, hits: 40, misses: 3 }),
    });
    const first = (await metrics.scrape()).text;
    expect(sample(first, 'rolegate_singleflight_waiting')).toBe(1);
    expect(sample(first, 'rolegate_active_sessions{kind="portal"}')).toBe(3);
    expect(sample(first, 'rolegate_active_sessions{kind="cli"}')).toBe(2);
    expect(sample(first, 'rolegate_identity_provider_up{idp="corp",kind="oidc"}')).toBe(1);
    expect(sample(first, 'rolegate_identity_provider_up{idp="partner",kind="saml"}')).toBe(0);
    expect(first).not.toContain('idp="new"');
    expect(sample(first, 'rolegate_redis_near_cache_live')).toBe(1);
    expect(sample(first, 'rolegate_redis_stalls_total')).toBe(4);
    expect(sample(first, 'rolegate_redis_near_cache_reads_total{result="hit"}')).toBe(90);
    expect(sample(first, 'rolegate_redis_near_cache_reads_total{result="miss"}')).toBe(8);
    expect(sample(first, 'rolegate_redis_near_cache_reads_total{result="shared"}')).toBe(2);
    expect(sample(first, 'rolegate_redis_near_cache_evictions_total')).toBe(3);
    expect(sample(first, 'rolegate_redis_near_cache_entries')).toBe(5);
    expect(sample(first, 'rolegate_redis_near_cache_bytes')).toBe(4096);
    expect(sample(first, 'rolegate_access_model_objects{kind="roles"}')).toBe(6);
    expect(sample(first, 'rolegate_access_model_load_seconds{phase="read"}')).toBe(0.08);
    expect(sample(first, 'rolegate_access_model_bytes')).toBe(65_536);
    expect(sample(first, 'rolegate_roles_answers_total{result="reused"}')).toBe(40);
    expect(sample(first, 'rolegate_roles_answers_total{result="decided"}')).toBe(3);
    expect(sample(first, 'rolegate_roles_answers_bytes')).toBe(8192);
    waiting = 0;
    portal = 9;
    const second = (await metrics.scrape()).text;
    expect(sample(second, 'rolegate_singleflight_waiting')).toBe(0);
    expect(sample(second, 'rolegate_active_sessions{kind="portal"}')).toBe(9);
  });

  it('when a probe that counts in a store fails, then the scrape still answers, counting 0', async () => {
    const metrics = create({ ...quiet, activeCliSessions: () => Promise.reject(new Error('PostgreSQL is down')) });
    const { text } = await metrics.scrape();
    expect(sample(text, 'rolegate_active_sessions{kind="cli"}')).toBe(0);
    expect(text).toContain('rolegate_process_cpu_seconds_total');
  });

  it('when two instances are built in one process, then neither sees the other (no global registry)', async () => {
    const one = create(quiet);
    const two = create(quiet);
    one.observeHttpRequest('GET', '/healthz', 200, 0.001);
    expect((await two.scrape()).text).not.toContain('route="/healthz"');
    expect((await one.scrape()).text).toContain('route="/healthz"');
  });
});

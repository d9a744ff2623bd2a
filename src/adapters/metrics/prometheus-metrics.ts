import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one rolegate instance, in its own registry (no globals). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rolegate_' });
  const httpRequestDuration = new Histogram({
    name: 'rolegate_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;

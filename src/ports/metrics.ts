/**
 * What the HTTP layer reports and shows of rolegate's metrics. The Prometheus
 * adapter (src/adapters/metrics) implements it; the composition root hands the
 * counters features need to them directly, as observers.
 */
export interface Metrics {
  /** One answered request: method, the matched route pattern (never the raw path), status and latency. */
  observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** Every metric now, in the exposition format (GET /metrics). */
  scrape(): Promise<{ contentType: string; text: string }>;
}

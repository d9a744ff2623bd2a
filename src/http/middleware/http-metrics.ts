import type { RequestHandler } from 'express';
import type { Metrics } from '../../adapters/metrics/prometheus-metrics.js';

/**
 * Observes every request in the latency histogram, labelled by the matched
 * route pattern (never the raw path, which would explode cardinality).
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      stop({
        method: req.method,
        route: typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched',
        status_code: String(res.statusCode),
      });
    });
    next();
  };
}

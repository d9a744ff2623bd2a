import { Router } from 'express';
import type { Metrics } from '../../adapters/metrics/prometheus-metrics.js';

/** Prometheus scrape endpoint. Holds no secrets; restrict it at the network edge if you prefer. */
export function metricsRoute(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await metrics.registry.metrics());
  });
  return router;
}

import { Router } from 'express';
import type { Metrics } from '../../ports/metrics.js';

/** Prometheus scrape endpoint. Holds no secrets; restrict it at the network edge if you prefer. */
export function metricsRoute(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, text } = await metrics.scrape();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(text);
  });
  return router;
}

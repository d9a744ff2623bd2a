import { Router } from 'express';
import { checkReadiness, type DependencyProbe } from '../../features/health/check-readiness.js';

export interface HealthDeps {
  probes: readonly DependencyProbe[];
  isShuttingDown(): boolean;
}

/**
 * /healthz: the process is alive and serving HTTP (for restarts).
 * /readyz: every dependency answers (for load balancers); 503 names the ones
 * that do not, and every answer is 503 once shutdown has begun so traffic drains.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (deps.isShuttingDown()) {
      res.status(503).json({ status: 'shutting_down', checks: {} });
      return;
    }
    const readiness = await checkReadiness(deps.probes);
    const failed = Object.entries(readiness.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    res.status(readiness.ready ? 200 : 503).json({
      status: readiness.ready ? 'ready' : 'unavailable',
      ...(failed.length > 0 ? { unavailable: failed } : {}),
      checks: readiness.checks,
    });
  });
  return router;
}

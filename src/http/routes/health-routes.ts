import { Router } from 'express';
import { checkReadiness, type DependencyProbe } from '../../features/health/check-readiness.js';
import type { IdpStatus } from '../../features/login/identity-provider-availability.js';

export interface HealthDeps {
  probes: readonly DependencyProbe[];
  isShuttingDown(): boolean;
  /**
   * What is degraded without making the instance unready (an unreachable IdP):
   * every instance would see the same outage, so taking them all out of the
   * load balancer would only add the other IdPs and the API to it.
   */
  details?: () => Record<string, unknown>;
}

/**
 * /healthz: the process is alive and serving HTTP (for restarts).
 * /readyz: every dependency answers (for load balancers); 503 names the ones
 * that do not, and every answer is 503 once shutdown has begun so traffic drains.
 * `details` reports what is degraded but does not make the instance unready.
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
    const details = deps.details?.() ?? {};
    const failed = Object.entries(readiness.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name);
    res.status(readiness.ready ? 200 : 503).json({
      status: readiness.ready ? 'ready' : 'unavailable',
      ...(failed.length > 0 ? { unavailable: failed } : {}),
      checks: readiness.checks,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    });
  });
  return router;
}

/** Each configured IdP's state for /readyz, by slug (times as ISO 8601). */
export function identityProviderDetails(statuses: readonly IdpStatus[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    statuses.map((s) => [
      s.slug,
      {
        kind: s.kind,
        state: s.state,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
        ...(s.since === undefined ? {} : { since: new Date(s.since).toISOString() }),
        ...(s.failures > 0 ? { failures: s.failures } : {}),
        ...(s.nextCheckAt === undefined ? {} : { nextCheckAt: new Date(s.nextCheckAt).toISOString() }),
      },
    ]),
  );
}

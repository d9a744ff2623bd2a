import type { AuditQuery } from '../../ports/audit-query.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';

const DAY_MS = 86_400_000;

/**
 * Deletes audit events older than the retention, now and then every
 * `intervalMs` (hourly). The only way events leave the trail. Every instance
 * may run it: the DELETE is idempotent.
 */
export function startAuditRetention(deps: { query: AuditQuery; clock: Clock; logger: Logger }, days: number, intervalMs = 3_600_000) {
  const sweep = async () => {
    const cutoff = new Date(deps.clock.now() - days * DAY_MS);
    try {
      const deleted = await deps.query.deleteBefore(cutoff);
      if (deleted > 0) deps.logger.info({ event: 'audit.retention', deleted, cutoff: cutoff.toISOString() }, 'old audit events deleted');
    } catch (error) {
      deps.logger.warn({ reason: (error as Error).message }, 'audit retention sweep failed; retrying at the next interval');
    }
  };
  const first = sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    /** The first sweep (tests wait for it). */
    first,
    stop: () => clearInterval(timer),
  };
}

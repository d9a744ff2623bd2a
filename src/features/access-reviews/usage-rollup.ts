import type { Logger } from '../../ports/logger.js';
import type { UsageRollup } from '../../ports/usage-query.js';

/** A day is rolled up once it ended this long ago: longer than any audit row's wait for its commit. */
export const ROLLUP_GRACE_MS = 10 * 60_000;
/** Days rolled up by one run at most (a first run on a trail of years catches up in a few). */
const MAX_DAYS_PER_RUN = 1000;

/**
 * Keeps the usage report's daily roll-up (docs/admin.md#the-daily-roll-up): a run now, then every
 * `intervalMs` (15 minutes), each rolling up the complete days not rolled up yet. Every instance
 * runs it; of several at once, one works and the others find the watermark taken and do nothing.
 */
export function startUsageRollup(deps: { rollup: UsageRollup; logger: Logger }, intervalMs = 15 * 60_000) {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      try {
        const result = await deps.rollup.rollUp({ graceMs: ROLLUP_GRACE_MS, maxDays: MAX_DAYS_PER_RUN });
        if (result.days > 0)
          deps.logger.info(
            { event: 'usage.rollup', days: result.days, rolledUntil: result.rolledUntil?.toISOString() },
            'usage roll-up: complete days rolled up',
          );
      } catch (error) {
        deps.logger.warn({ reason: (error as Error).message }, 'usage roll-up failed; reports read raw rows for the days not rolled up');
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const first = run();
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return {
    /** The first run (tests wait for it). */
    first,
    stop: () => clearInterval(timer),
  };
}

import { PgAccessReviewStore } from '../adapters/db/pg-access-review-store.js';
import { PgUsageQuery } from '../adapters/db/pg-usage-query.js';
import type { ReviewDeps } from '../features/access-reviews/campaigns.js';
import { startUsageRollup } from '../features/access-reviews/usage-rollup.js';
import type { AccessAdminStore } from '../ports/access-admin-store.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/**
 * Access reviews (docs/admin.md#access-reviews): the usage report over the audit trail and its
 * daily roll-up (kept by a timer on every instance), and review campaigns.
 */
export function buildAccessReviews(platform: Platform, store: Pick<AccessAdminStore, 'read'>, steps: StartupSteps): ReviewDeps {
  const usage = new PgUsageQuery(platform.database);
  const rollup = startUsageRollup({ rollup: usage, logger: platform.logger });
  steps.onClose('the usage roll-up', () => rollup.stop());
  return {
    store,
    usage,
    reviews: new PgAccessReviewStore(platform.database),
    clock: platform.clock,
  };
}

import { PrismaAccessRequestStore } from '../adapters/db/prisma-access-request-store.js';
import type { OutboxWriter } from '../adapters/db/pg-notification-outbox.js';
import { advanceAccessRequests, endGrantsOfRemovedMappings, type AccessRequestDeps } from '../features/access-requests/access-requests.js';
import { ActiveGrants } from '../features/access-requests/active-grants.js';
import type { AdminDeps } from '../features/admin/admin-deps.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/** How often each instance moves what time moves (expiries, late starts): refusals never wait for it (lookups compare ends with the clock). */
const ADVANCE_EVERY_MS = 10_000;

/**
 * Just-in-time access: the request store, the in-memory grant index (and the
 * credentials path's lookups into it), and each instance's timer that moves
 * expired requests and grants. Stop it on close.
 */
export async function buildAccessRequests(
  platform: Platform,
  steps: StartupSteps,
  credentials: CredentialsDeps,
  admin: AdminDeps,
  /** Each transition's notifications, written in its transaction (notifications.ts). */
  outbox?: OutboxWriter,
): Promise<AccessRequestDeps> {
  const { config } = platform;
  const parts = { kv: platform.kv, credentials, audit: platform.audit, clock: platform.clock, logger: platform.logger };
  const store = new PrismaAccessRequestStore(platform.database.prisma, outbox);
  const refreshMs = config.credentials.accessModelRefreshSeconds * 1000;
  const grants = new ActiveGrants(store, parts.kv, parts.clock, parts.logger, refreshMs);
  await grants.start();
  parts.credentials.grants = grants;
  const cache = parts.credentials.cache;
  const accessRequests: AccessRequestDeps = {
    store,
    accessModel: parts.credentials.accessModel,
    grants,
    audit: parts.audit,
    clock: parts.clock,
    logger: parts.logger,
    dropCredentials: (principalId, roleId) => cache.deleteFor(principalId, roleId),
    isAdmin: (principal) => principal.groups.some((g) => config.admin.groups.includes(g)),
    pendingTtlSeconds: config.accessRequests.pendingTtlSeconds,
    observer: {
      decided: (decision, seconds) => platform.metrics.accessRequestDecisionSeconds.observe({ decision }, seconds),
      grantEnded: (how, early) => {
        if (early) platform.metrics.accessGrantsEndedEarly.inc({ reason: how });
      },
    },
  };
  // A mapping removed by `rolegate apply` or the admin API ends its grants at once (and the sweep below catches the rest).
  admin.endGrantsOfRemovedMappings = (actor) => endGrantsOfRemovedMappings(accessRequests, actor);
  const timer = setInterval(() => {
    void advanceAccessRequests(accessRequests).catch((error: unknown) =>
      parts.logger.warn({ reason: (error as Error).message }, 'cannot advance access requests now; retrying'),
    );
  }, ADVANCE_EVERY_MS);
  timer.unref();
  steps.onClose('the access-request sweeper', async () => {
    clearInterval(timer);
    await grants.stop();
  });
  return accessRequests;
}

import { PrismaAccessAdminStore } from '../adapters/db/prisma-access-admin-store.js';
import { PgAuditQuery } from '../adapters/db/pg-audit-query.js';
import type { Config } from '../config/load-config.js';
import type { AdminDeps } from '../features/admin/admin-deps.js';
import { applyAccessFileAtStartup } from '../features/admin/apply-access-file.js';
import { startAuditRetention } from '../features/admin/audit-retention.js';
import { parseAccessFileOffThread } from '../features/admin/parse-off-thread.js';
import { revocationDeps } from '../features/admin/revocation-sources.js';
import type { CliAuthDeps } from '../features/cli-auth/cli-auth-deps.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import type { SessionStore } from '../features/sessions/session-store.js';
import type { AdminAppDeps } from '../http/routes/admin-routes.js';
import type { NotificationSink } from '../ports/notification-outbox.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/**
 * Applies ROLEGATE_ACCESS_FILE when configured, before the access model is
 * first loaded (so nothing needs telling); its problems stop the start.
 */
export async function applyConfiguredAccessFile(platform: Platform, steps: StartupSteps): Promise<void> {
  const { config, logger } = platform;
  const path = config.admin.accessFile;
  if (path === undefined) return;
  const deps: AdminDeps = {
    store: accessAdminStore(platform),
    accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
    logger,
    transport: transport(config),
  };
  const problems = await steps.step(
    (error) => `admin.accessFile (ROLEGATE_ACCESS_FILE): cannot apply ${path}: ${error.message}`,
    () => applyAccessFileAtStartup(deps, path),
  );
  await steps.failIf(problems);
}

/** Administration: access as code, audit queries and retention, revocation. */
export function buildAdmin(
  platform: Platform,
  steps: StartupSteps,
  parts: { sessions: SessionStore; cliAuth: CliAuthDeps; credentials: CredentialsDeps; notifications?: NotificationSink },
): AdminAppDeps {
  const { config, logger, clock, audit } = platform;
  const auditQuery = new PgAuditQuery(platform.database);
  const { accessModel } = parts.credentials;
  const retention =
    config.admin.auditRetentionDays === undefined
      ? undefined
      : startAuditRetention({ query: auditQuery, clock, logger }, config.admin.auditRetentionDays);
  if (retention) steps.onClose(() => retention.stop());
  return {
    access: {
      store: accessAdminStore(platform),
      accessModel,
      logger,
      parseAccessFile: (text) => parseAccessFileOffThread(text),
      transport: transport(config),
    },
    auditQuery,
    revocation: revocationDeps({
      sessions: parts.sessions,
      cliAuth: parts.cliAuth,
      credentialCache: parts.credentials.cache,
      accessModel,
      auditQuery,
      audit,
      clock,
      ...(config.issuer.sessionNameIdp ? { sessionNameIdp: config.issuer.sessionNameIdp } : {}),
      ...(parts.notifications ? { notifications: parts.notifications } : {}),
    }),
    audit,
  };
}

/** On the database's bulk connections: an access file applied whole is bounded by admin.applyTimeoutMs, not a request's limits. */
function accessAdminStore(platform: Platform): PrismaAccessAdminStore {
  return new PrismaAccessAdminStore(platform.database.bulkPrisma(), { transactionTimeoutMs: platform.config.admin.applyTimeoutMs });
}

function transport(config: Config): AdminDeps['transport'] {
  return { production: config.production, allowInsecureLoopback: config.allowInsecureLoopback };
}

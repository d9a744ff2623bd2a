import { PrismaAccessAdminStore } from './adapters/db/prisma-access-admin-store.js';
import type { Database, PrismaClient } from './adapters/db/database.js';
import { PgAuditQuery } from './adapters/db/pg-audit-query.js';
import { startAuditRetention } from './features/admin/audit-retention.js';
import type { AdminAppDeps } from './http/routes/admin-routes.js';
import type { Clock } from './ports/clock.js';
import type { Config } from './config/load-config.js';
import type { AdminDeps } from './features/admin/admin-deps.js';
import { applyAccessFileAtStartup } from './features/admin/apply-access-file.js';
import type { Logger } from './ports/logger.js';

/**
 * Applies ROLEGATE_ACCESS_FILE when configured (before the access model is
 * first loaded, so nothing needs telling). Returns start-up problems.
 */
export async function applyConfiguredAccessFile(config: Config, prisma: PrismaClient, logger: Logger): Promise<string[]> {
  const path = config.admin.accessFile;
  if (path === undefined) return [];
  const deps: AdminDeps = {
    store: new PrismaAccessAdminStore(prisma),
    accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
    logger,
  };
  try {
    return await applyAccessFileAtStartup(deps, path);
  } catch (error) {
    return [`admin.accessFile (ROLEGATE_ACCESS_FILE): cannot apply ${path}: ${(error as Error).message}`];
  }
}

/** The administration use cases' dependencies, and the audit retention sweep when configured (stop it on close). */
export function buildAdminDeps(
  config: Config,
  parts: { database: Database; accessModel: AdminDeps['accessModel']; clock: Clock; logger: Logger },
): { admin: AdminAppDeps; stop(): void } {
  const auditQuery = new PgAuditQuery(parts.database);
  const retention =
    config.admin.auditRetentionDays === undefined
      ? undefined
      : startAuditRetention({ query: auditQuery, clock: parts.clock, logger: parts.logger }, config.admin.auditRetentionDays);
  return {
    admin: {
      access: { store: new PrismaAccessAdminStore(parts.database.prisma), accessModel: parts.accessModel, logger: parts.logger },
      auditQuery,
    },
    stop: () => retention?.stop(),
  };
}

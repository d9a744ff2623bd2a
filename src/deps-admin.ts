import { PrismaAccessAdminStore } from './adapters/db/prisma-access-admin-store.js';
import type { PrismaClient } from './adapters/db/database.js';
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

/** The administration use cases' dependencies. */
export function buildAdminDeps(parts: { prisma: PrismaClient; accessModel: AdminDeps['accessModel']; logger: Logger }): AdminDeps {
  return { store: new PrismaAccessAdminStore(parts.prisma), accessModel: parts.accessModel, logger: parts.logger };
}

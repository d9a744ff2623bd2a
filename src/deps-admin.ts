import { PrismaAccessAdminStore } from './adapters/db/prisma-access-admin-store.js';
import type { Database, PrismaClient } from './adapters/db/database.js';
import { PgAuditQuery } from './adapters/db/pg-audit-query.js';
import { startAuditRetention } from './features/admin/audit-retention.js';
import type { AdminAppDeps } from './http/routes/admin-routes.js';
import type { Clock } from './ports/clock.js';
import type { Metrics } from './adapters/metrics/prometheus-metrics.js';
import type { AuditLog } from './ports/audit-log.js';
import { parseRoleArn } from './domain/arn.js';
import { sourceIdentityFor } from './domain/session-name.js';
import { revokeAllCliGrantsOf } from './features/cli-auth/revoke.js';
import type { CliAuthDeps } from './features/cli-auth/cli-auth-deps.js';
import type { AccessModelCache } from './features/credentials/access-model-cache.js';
import type { CredentialCache } from './features/credentials/credential-cache.js';
import type { RevocationDeps } from './features/admin/revoke-access.js';
import type { SessionStore } from './features/sessions/session-store.js';
import type { Config } from './config/load-config.js';
import type { AdminDeps } from './features/admin/admin-deps.js';
import { applyAccessFileAtStartup } from './features/admin/apply-access-file.js';
import { parseAccessFileOffThread } from './features/admin/parse-off-thread.js';
import type { Logger } from './ports/logger.js';

/**
 * Applies ROLEGATE_ACCESS_FILE when configured (before the access model is
 * first loaded, so nothing needs telling). Returns start-up problems.
 */
export async function applyConfiguredAccessFile(config: Config, prisma: PrismaClient, logger: Logger): Promise<string[]> {
  const path = config.admin.accessFile;
  if (path === undefined) return [];
  const deps: AdminDeps = {
    store: new PrismaAccessAdminStore(prisma, { transactionTimeoutMs: config.admin.applyTimeoutMs }),
    accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
    logger,
    transport: { production: config.production, allowInsecureLoopback: config.allowInsecureLoopback },
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
  parts: {
    database: Database;
    accessModel: AccessModelCache;
    clock: Clock;
    logger: Logger;
    sessions: SessionStore;
    cliAuth: CliAuthDeps;
    credentialCache: CredentialCache;
    audit: AuditLog;
    metrics: Metrics;
  },
): { admin: AdminAppDeps; stop(): void } {
  parts.metrics.probes.activeCliSessions = async () => {
    const rows = await parts.database.query<{ live: string }>(
      'SELECT count(*)::text AS live FROM cli_grants WHERE revoked_at IS NULL AND expires_at > now()',
    );
    return Number(rows[0]?.live ?? 0);
  };
  parts.metrics.probes.activePortalSessions = () => parts.sessions.countLive();
  const auditQuery = new PgAuditQuery(parts.database);
  const revocation: RevocationDeps = {
    endSessionsOf: (principalId) => parts.sessions.endAllSessionsOf(principalId),
    revokeCliGrantsOf: (principalId, actor) =>
      revokeAllCliGrantsOf(parts.cliAuth, principalId, {
        by: 'admin',
        ctx: {
          requestId: actor.requestId,
          log: actor.log,
          ...(actor.sourceIp ? { sourceIp: actor.sourceIp } : {}),
          ...(actor.userAgent ? { userAgent: actor.userAgent } : {}),
        },
        actor: actor.principal.id,
      }),
    dropCredentialsOf: (principalId) => parts.credentialCache.deleteAllFor(principalId),
    dropCredentialsOfRole: (roleId) => parts.credentialCache.deleteAllForRole(roleId),
    roleIdOf: async (roleArn) => {
      const model = await parts.accessModel.index();
      const arn = parseRoleArn(roleArn);
      return arn.ok ? model.rolesByAccount.get(arn.value.accountId)?.exact.get(roleArn)?.id : undefined;
    },
    sourceIdentityOf: (principalId) => {
      const at = principalId.indexOf(':');
      return sourceIdentityFor(
        { idp: principalId.slice(0, at), subject: principalId.slice(at + 1) },
        config.issuer.sessionNameIdp ? { bareIdp: config.issuer.sessionNameIdp } : {},
      );
    },
    rolesIssuedTo: async (principalId, since) => {
      const events = await auditQuery.find({ user: principalId, type: 'credentials.issue', outcome: 'success', from: since, limit: 1000 });
      return [...new Set(events.flatMap((e) => (e.roleArn ? [e.roleArn] : [])))].sort();
    },
    audit: parts.audit,
    clock: parts.clock,
  };
  const retention =
    config.admin.auditRetentionDays === undefined
      ? undefined
      : startAuditRetention({ query: auditQuery, clock: parts.clock, logger: parts.logger }, config.admin.auditRetentionDays);
  return {
    admin: {
      access: {
        store: new PrismaAccessAdminStore(parts.database.bulkPrisma(), { transactionTimeoutMs: config.admin.applyTimeoutMs }),
        accessModel: parts.accessModel,
        logger: parts.logger,
        parseAccessFile: (text) => parseAccessFileOffThread(text),
        transport: { production: config.production, allowInsecureLoopback: config.allowInsecureLoopback },
      },
      auditQuery,
      revocation,
      audit: parts.audit,
    },
    stop: () => retention?.stop(),
  };
}

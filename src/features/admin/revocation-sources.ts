import { parseRoleArn } from '../../domain/arn.js';
import { sourceIdentityFor } from '../../domain/session-name.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import type { Clock } from '../../ports/clock.js';
import type { CliAuthDeps } from '../cli-auth/cli-auth-deps.js';
import { revokeAllCliGrantsOf } from '../cli-auth/revoke.js';
import type { AccessModelCache } from '../credentials/access-model-cache.js';
import type { CredentialCache } from '../credentials/credential-cache.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { NotificationSink } from '../../ports/notification-outbox.js';
import type { RevocationJobStore } from '../../ports/revocation-jobs.js';
import type { RevocationDeps } from './revoke-access.js';

export interface RevocationSources {
  sessions: SessionStore;
  cliAuth: CliAuthDeps;
  credentialCache: CredentialCache;
  accessModel: AccessModelCache;
  auditQuery: AuditQuery;
  audit: AuditLog;
  clock: Clock;
  /** issuer.sessionNameIdp: the IdP whose subjects become session names unchanged. */
  sessionNameIdp?: string;
  notifications?: NotificationSink;
  revocationJobs?: RevocationJobStore;
}

/** How many of the latest sign-ins a username is looked up in (the admin form's "username"). */
const SIGN_INS_SEARCHED = 5000;

/** What revoking a user or a role reaches: portal sessions, CLI grants, cached credentials, the access model and the audit trail. */
export function revocationDeps(from: RevocationSources): RevocationDeps {
  return {
    endSessionsOf: (principalId) => from.sessions.endAllSessionsOf(principalId),
    revokeCliGrantsOf: (principalId, actor) =>
      revokeAllCliGrantsOf(from.cliAuth, principalId, {
        by: 'admin',
        ctx: {
          requestId: actor.requestId,
          log: actor.log,
          ...(actor.sourceIp ? { sourceIp: actor.sourceIp } : {}),
          ...(actor.userAgent ? { userAgent: actor.userAgent } : {}),
        },
        actor: actor.principal.id,
      }),
    dropCredentialsOf: (principalId) => from.credentialCache.deleteAllFor(principalId),
    dropCredentialsOfRole: (roleId) => from.credentialCache.deleteAllForRole(roleId),
    roleIdOf: async (roleArn) => {
      const model = await from.accessModel.index();
      const arn = parseRoleArn(roleArn);
      return arn.ok ? model.rolesByAccount.get(arn.value.accountId)?.exact.get(roleArn)?.id : undefined;
    },
    sourceIdentityOf: (principalId) => {
      const at = principalId.indexOf(':');
      return sourceIdentityFor(
        { idp: principalId.slice(0, at), subject: principalId.slice(at + 1) },
        from.sessionNameIdp ? { bareIdp: from.sessionNameIdp } : {},
      );
    },
    rolesIssuedTo: async (principalId, since) => {
      const events = await from.auditQuery.find({
        user: principalId,
        type: 'credentials.issue',
        outcome: 'success',
        from: since,
        limit: 1000,
      });
      return [...new Set(events.flatMap((e) => (e.roleArn ? [e.roleArn] : [])))].sort();
    },
    lookup: {
      liveSessionsOf: (principalId) => from.sessions.countSessionsOf(principalId),
      liveCliGrantsOf: async (principalId) => (await from.cliAuth.grants.listActiveGrants(principalId, new Date(from.clock.now()))).length,
      principalIdsNamed: async (username) =>
        (await from.auditQuery.lastSignIns(SIGN_INS_SEARCHED)).filter((i) => i.username === username).map((i) => i.user),
      roleArnOf: async (account, role) => {
        const model = await from.accessModel.index();
        const found = model.accountById.get(account) ?? model.accountByAlias.get(account);
        const roles = found ? model.rolesByAccount.get(found.id) : undefined;
        return (roles?.exact.get(role) ?? roles?.folded.get(role.toLowerCase()))?.arn;
      },
    },
    audit: from.audit,
    clock: from.clock,
    ...(from.notifications ? { notifications: from.notifications } : {}),
    ...(from.revocationJobs
      ? {
          aws: {
            jobs: from.revocationJobs,
            targetOf: async (roleArn: string) => {
              const model = await from.accessModel.index();
              const arn = parseRoleArn(roleArn);
              if (!arn.ok) return undefined;
              const role = model.rolesByAccount.get(arn.value.accountId)?.exact.get(roleArn);
              const account = model.accountOfRole.get(arn.value.accountId);
              if (!role || !account) return undefined;
              return { accountId: account.id, hasRevoker: account.revoker !== undefined, maxSessionSeconds: role.maxSessionSeconds };
            },
          },
        }
      : {}),
  };
}

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
}

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
    audit: from.audit,
    clock: from.clock,
    ...(from.notifications ? { notifications: from.notifications } : {}),
  };
}

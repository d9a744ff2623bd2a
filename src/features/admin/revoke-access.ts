import { parseRoleArn } from '../../domain/arn.js';
import { RolegateError } from '../../domain/errors.js';
import { cutoffOf, denyRolePolicy, denyUserPolicy, type DenyPolicy } from '../../domain/revocation-policy.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { NotificationSink } from '../../ports/notification-outbox.js';
import { enqueueAfterAudit } from '../notifications/enqueue.js';
import { actorFields, type Actor } from './admin-deps.js';

/** What revocation touches; each piece is the existing mechanism (logout everywhere, CLI revoke, credential cache). */
export interface RevocationDeps {
  endSessionsOf(principalId: string): Promise<number>;
  revokeCliGrantsOf(principalId: string, actor: Actor): Promise<number>;
  dropCredentialsOf(principalId: string): Promise<number>;
  dropCredentialsOfRole(roleId: string): Promise<number>;
  roleIdOf(roleArn: string): Promise<string | undefined>;
  /** The SourceIdentity rolegate sets for this principal (as exchange.ts computes it). */
  sourceIdentityOf(principalId: string): string;
  /** Roles this principal got credentials for since `since` (from the audit trail). */
  rolesIssuedTo(principalId: string, since: Date): Promise<string[]>;
  audit: AuditLog;
  clock: Clock;
  /** Where revocations are notified (the outbox), right after their audit row. */
  notifications?: NotificationSink;
}

export interface RevocationResult {
  revokedAt: string;
  user?: string;
  roleArn?: string;
  sourceIdentity?: string;
  sessionsEnded: number;
  cliSessionsRevoked: number;
  cachedCredentialsDropped: number;
  /** The roles to attach `policy` to: the revoked role, or the roles the user got credentials for in the last 12 h (the longest STS session). */
  affectedRoleArns: string[];
  policy: DenyPolicy;
}

const LONGEST_SESSION_MS = 43_200_000;

/**
 * Cuts a user off: ends their portal sessions, revokes their CLI sessions,
 * drops their cached credentials, and returns the Deny policy for sessions
 * AWS already issued. Intent is audited first, the outcome after.
 */
export async function revokeUser(deps: RevocationDeps, actor: Actor, principalId: string): Promise<RevocationResult> {
  if (!/^[^:]+:.+$/.test(principalId))
    throw new RolegateError('invalid_request', { detail: 'user must be a principal id, <idp>:<subject> (e.g. corp:alice)' });
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const base = { ...actorFields(actor), type: 'admin.revoke.user', details: { user: principalId, cutoff } };
  await deps.audit.record({ ...base, type: 'admin.revoke.user.start', outcome: 'success' });
  const sessionsEnded = await deps.endSessionsOf(principalId);
  const cliSessionsRevoked = await deps.revokeCliGrantsOf(principalId, actor);
  const cachedCredentialsDropped = await deps.dropCredentialsOf(principalId);
  const sourceIdentity = deps.sourceIdentityOf(principalId);
  const affectedRoleArns = await deps.rolesIssuedTo(principalId, new Date(now - LONGEST_SESSION_MS));
  const result: RevocationResult = {
    revokedAt: new Date(now).toISOString(),
    user: principalId,
    sourceIdentity,
    sessionsEnded,
    cliSessionsRevoked,
    cachedCredentialsDropped,
    affectedRoleArns,
    policy: denyUserPolicy(sourceIdentity, cutoff),
  };
  await recordOutcome(deps, actor, { ...base, details: { ...base.details, ...summary(result) } });
  await notifyRevoked(deps, actor, result, { scope: 'user', user: principalId });
  return result;
}

/** Cuts a role off for everyone: drops its cached credentials and returns the Deny policy for its issued sessions. */
export async function revokeRole(deps: RevocationDeps, actor: Actor, roleArn: string): Promise<RevocationResult> {
  const parsed = parseRoleArn(roleArn);
  if (!parsed.ok) throw new RolegateError('invalid_request', { detail: `roleArn: ${parsed.error}` });
  const roleId = await deps.roleIdOf(roleArn);
  if (roleId === undefined) throw new RolegateError('not_found', { detail: `No role ${roleArn} in the access model` });
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const base = { ...actorFields(actor), roleArn, accountId: parsed.value.accountId, type: 'admin.revoke.role', details: { cutoff } };
  await deps.audit.record({ ...base, type: 'admin.revoke.role.start', outcome: 'success' });
  const cachedCredentialsDropped = await deps.dropCredentialsOfRole(roleId);
  const result: RevocationResult = {
    revokedAt: new Date(now).toISOString(),
    roleArn,
    sessionsEnded: 0,
    cliSessionsRevoked: 0,
    cachedCredentialsDropped,
    affectedRoleArns: [roleArn],
    policy: denyRolePolicy(cutoff),
  };
  await recordOutcome(deps, actor, { ...base, details: { ...base.details, ...summary(result) } });
  await notifyRevoked(deps, actor, result, { scope: 'role', roleArn });
  return result;
}

function notifyRevoked(deps: RevocationDeps, actor: Actor, result: RevocationResult, what: Record<string, string>): Promise<void> {
  return enqueueAfterAudit(
    deps.notifications,
    {
      kind: 'access.revoked',
      occurredAt: result.revokedAt,
      actor: actor.principal.id,
      details: { ...what, ...summary(result), requestId: actor.requestId },
    },
    actor.log,
  );
}

function summary(result: RevocationResult) {
  return {
    sessionsEnded: result.sessionsEnded,
    cliSessionsRevoked: result.cliSessionsRevoked,
    cachedCredentialsDropped: result.cachedCredentialsDropped,
    affectedRoleArns: result.affectedRoleArns,
    ...(result.sourceIdentity ? { sourceIdentity: result.sourceIdentity } : {}),
  };
}

async function recordOutcome(deps: RevocationDeps, actor: Actor, event: Omit<Parameters<AuditLog['record']>[0], 'outcome'>): Promise<void> {
  await deps.audit
    .record({ ...event, outcome: 'success' })
    .catch((error: unknown) => actor.log.error({ err: error }, 'could not record a completed revocation'));
  actor.log.warn({ event: event.type, ...(event.details ?? {}) }, 'access revoked');
}

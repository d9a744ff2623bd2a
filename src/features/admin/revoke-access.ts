import { parseRoleArn } from '../../domain/arn.js';
import { RolegateError } from '../../domain/errors.js';
import { cutoffOf, denyRolePolicy, denyUserPolicy, type DenyPolicy } from '../../domain/revocation-policy.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { NotificationSink } from '../../ports/notification-outbox.js';
import type { RevocationJob, RevocationJobStore } from '../../ports/revocation-jobs.js';
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
  /** Revocation that reaches AWS: the jobs, and per affected role its account's revoker and maximum session. */
  aws?: {
    jobs: RevocationJobStore;
    /** undefined: the role is not in the access model (any more), so its account's revoker is unknown. */
    targetOf(roleArn: string): Promise<{ accountId: string; hasRevoker: boolean; maxSessionSeconds: number } | undefined>;
  };
  /** What the confirmation page reads before anything ends (revocation-preview.ts); nothing here changes state. */
  lookup?: RevocationLookup;
}

/** Read-only look-ups for the revocation preview and the admin form. */
export interface RevocationLookup {
  liveSessionsOf(principalId: string): Promise<number>;
  liveCliGrantsOf(principalId: string): Promise<number>;
  /** The principal ids that signed in with this username (their latest sign-ins in the audit trail). */
  principalIdsNamed(username: string): Promise<string[]>;
  /** An account (id or alias) and a role name → the role's ARN in the access model, if it is there. */
  roleArnOf(account: string, role: string): Promise<string | undefined>;
}

/** What happens in AWS: which roles get the policy from a job, which still need it pasted by hand. */
export interface AwsEnforcement {
  /** Roles whose account has a revoker: a job attaches the policy (GET /api/v1/admin/revocations/jobs shows it). */
  queuedRoleArns: string[];
  /** Roles whose account has no revoker: attach `policy` to these yourself. */
  byHandRoleArns: string[];
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
  aws: AwsEnforcement;
}

const LONGEST_SESSION_MS = 43_200_000;

/** Why an admin revoked (audited with the revocation). */
export interface RevocationOptions {
  reason?: string;
}

/** The principal id a user revocation accepts, `<idp>:<subject>`; throws the API's 400 otherwise. */
export function checkPrincipalId(principalId: string): void {
  if (!/^[^:]+:.+$/.test(principalId))
    throw new RolegateError('invalid_request', { detail: 'user must be a principal id, <idp>:<subject> (e.g. corp:alice)' });
}

/** The roles a user revocation covers: those the user got credentials for within the longest STS session before `now`. */
export function rolesAffectedForUser(deps: RevocationDeps, principalId: string, now: number): Promise<string[]> {
  return deps.rolesIssuedTo(principalId, new Date(now - LONGEST_SESSION_MS));
}

/** A role revocation's role: a valid ARN, in the access model; returns its role id. */
export async function checkRevocableRole(deps: RevocationDeps, roleArn: string): Promise<{ roleId: string; accountId: string }> {
  const parsed = parseRoleArn(roleArn);
  if (!parsed.ok) throw new RolegateError('invalid_request', { detail: `roleArn: ${parsed.error}` });
  const roleId = await deps.roleIdOf(roleArn);
  if (roleId === undefined) throw new RolegateError('not_found', { detail: `No role ${roleArn} in the access model` });
  return { roleId, accountId: parsed.value.accountId };
}

/**
 * Cuts a user off: ends their portal sessions, revokes their CLI sessions,
 * drops their cached credentials, and returns the Deny policy for sessions
 * AWS already issued. Intent is audited first, the outcome after.
 */
export async function revokeUser(
  deps: RevocationDeps,
  actor: Actor,
  principalId: string,
  options: RevocationOptions = {},
): Promise<RevocationResult> {
  checkPrincipalId(principalId);
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const base = {
    ...actorFields(actor),
    type: 'admin.revoke.user',
    ...(options.reason ? { reason: options.reason } : {}),
    details: { user: principalId, cutoff },
  };
  await deps.audit.record({ ...base, type: 'admin.revoke.user.start', outcome: 'success' });
  const sessionsEnded = await deps.endSessionsOf(principalId);
  const cliSessionsRevoked = await deps.revokeCliGrantsOf(principalId, actor);
  const cachedCredentialsDropped = await deps.dropCredentialsOf(principalId);
  const sourceIdentity = deps.sourceIdentityOf(principalId);
  const affectedRoleArns = await rolesAffectedForUser(deps, principalId, now);
  const aws = await enforceInAws(deps, actor, affectedRoleArns, now, { cutoff, sourceIdentity });
  const result: RevocationResult = {
    revokedAt: new Date(now).toISOString(),
    user: principalId,
    sourceIdentity,
    sessionsEnded,
    cliSessionsRevoked,
    cachedCredentialsDropped,
    affectedRoleArns,
    policy: denyUserPolicy(sourceIdentity, cutoff),
    aws,
  };
  await recordOutcome(deps, actor, { ...base, details: { ...base.details, ...summary(result) } });
  await notifyRevoked(deps, actor, result, { scope: 'user', user: principalId });
  return result;
}

/** Cuts a role off for everyone: drops its cached credentials and returns the Deny policy for its issued sessions. */
export async function revokeRole(
  deps: RevocationDeps,
  actor: Actor,
  roleArn: string,
  options: RevocationOptions = {},
): Promise<RevocationResult> {
  const { roleId, accountId } = await checkRevocableRole(deps, roleArn);
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const base = {
    ...actorFields(actor),
    roleArn,
    accountId,
    type: 'admin.revoke.role',
    ...(options.reason ? { reason: options.reason } : {}),
    details: { cutoff },
  };
  await deps.audit.record({ ...base, type: 'admin.revoke.role.start', outcome: 'success' });
  const cachedCredentialsDropped = await deps.dropCredentialsOfRole(roleId);
  const aws = await enforceInAws(deps, actor, [roleArn], now, { cutoff });
  const result: RevocationResult = {
    revokedAt: new Date(now).toISOString(),
    roleArn,
    sessionsEnded: 0,
    cliSessionsRevoked: 0,
    cachedCredentialsDropped,
    affectedRoleArns: [roleArn],
    policy: denyRolePolicy(cutoff),
    aws,
  };
  await recordOutcome(deps, actor, { ...base, details: { ...base.details, ...summary(result) } });
  await notifyRevoked(deps, actor, result, { scope: 'role', roleArn });
  return result;
}

/**
 * Queues one job per affected role whose account has a revoker (it attaches the
 * Deny within seconds and removes it once every targeted session has expired:
 * the revocation time plus the role's maximum session); the others are named
 * for the admin to handle by hand, as before.
 */
async function enforceInAws(
  deps: RevocationDeps,
  actor: Actor,
  roleArns: readonly string[],
  now: number,
  what: { cutoff: string; sourceIdentity?: string },
): Promise<AwsEnforcement> {
  const { queued, byHandRoleArns } = await awsTargetsOf(deps, roleArns, now, what);
  if (deps.aws && queued.length > 0) {
    await deps.aws.jobs.enqueue(queued, now);
    await deps.audit
      .record({
        ...actorFields(actor),
        type: 'revocation.jobs.queued',
        outcome: 'success',
        details: { cutoff: what.cutoff, roleArns: queued.map((q) => q.roleArn) },
      })
      .catch((error: unknown) => actor.log.error({ err: error }, 'could not audit queued revocation jobs'));
  }
  return { queuedRoleArns: queued.map((q) => q.roleArn), byHandRoleArns };
}

/** Which affected roles a job would cover (their account has a revoker) and which need the policy by hand: the rule revocation and its preview share. */
export async function awsTargetsOf(
  deps: RevocationDeps,
  roleArns: readonly string[],
  now: number,
  what: { cutoff: string; sourceIdentity?: string },
): Promise<{ queued: { accountId: string; roleArn: string; entry: RevocationJob['entries'][number] }[]; byHandRoleArns: string[] }> {
  const queued: { accountId: string; roleArn: string; entry: RevocationJob['entries'][number] }[] = [];
  const byHandRoleArns: string[] = [];
  for (const roleArn of roleArns) {
    const target = deps.aws ? await deps.aws.targetOf(roleArn) : undefined;
    if (!target?.hasRevoker) {
      byHandRoleArns.push(roleArn);
      continue;
    }
    const expiresAt = new Date(now + target.maxSessionSeconds * 1000).toISOString();
    queued.push({ accountId: target.accountId, roleArn, entry: { ...what, expiresAt } });
  }
  return { queued, byHandRoleArns };
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

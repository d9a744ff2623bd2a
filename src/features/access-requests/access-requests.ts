import { randomUUID } from 'node:crypto';
import type { AccessIndex } from '../../domain/access-index.js';
import type { ApprovalPolicy } from '../../domain/access-model.js';
import {
  approverRefusal,
  autoApproves,
  checkRequestAgainstPolicy,
  DEFAULT_PENDING_TTL_SECONDS,
  isApprover,
  type AccessRequestRecord,
  type AccessRequestState,
} from '../../domain/access-requests.js';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { checkRoleRequestIn, roleRequestError } from '../../domain/role-request.js';
import type { AccessRequestStore, TransitionResult } from '../../ports/access-request-store.js';
import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Caller } from '../credentials/issue-credentials.js';
import type { ActiveGrants } from './active-grants.js';

/** What the just-in-time access use cases need (wired in src/deps-access-requests.ts). */
export interface AccessRequestDeps {
  store: AccessRequestStore;
  accessModel: { index(): Promise<AccessIndex> };
  grants: ActiveGrants;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  /** Drops the user's cached credentials for the role (a grant ended): CredentialCache.deleteFor. */
  dropCredentials(principalId: string, roleId: string): Promise<number>;
  /** Administrators see every request and may revoke grants. */
  isAdmin(principal: Pick<Principal, 'groups'>): boolean;
  /** How long a request waits for its decisions. */
  pendingTtlSeconds?: number;
}

export interface RequestAccessAsk {
  /** 12-digit id or alias. */
  account: string;
  role: string;
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  /** ms since epoch. */
  startsAt?: number;
}

const OPEN_STATES: readonly AccessRequestState[] = ['pending', 'approved', 'active'];

/**
 * A user asks for an eligible role: it must be eligible for them now (an
 * eligible mapping of theirs passes its conditions), the request must pass
 * the mapping's policy (duration within maxGrant, reason, ticket), and they
 * must not hold an open request or grant for it already. Members of an
 * auto-approval group get the grant at once (recorded as auto-approved).
 */
export async function requestAccess(deps: AccessRequestDeps, caller: Caller, ask: RequestAccessAsk): Promise<AccessRequestRecord> {
  const { principal } = caller;
  const now = deps.clock.now();
  const model = await deps.accessModel.index();
  const decided = checkRoleRequestIn(
    model,
    { principal, sourceIp: caller.sourceIp, now, grantFor: (roleId) => deps.grants.grantFor(principal.id, roleId) },
    { account: ask.account, role: ask.role },
  );
  if (decided.ok || decided.reason === 'justification_required') {
    const entitlement = decided.ok ? decided.entitlement : decided.entitlement;
    const detail = entitlement.grant
      ? `You hold access grant ${entitlement.grant.id} for ${entitlement.role.name} until ${new Date(entitlement.grant.endsAt).toISOString()}`
      : `You already have standing access to ${entitlement.role.name} in ${entitlement.account.alias}: no request is needed`;
    throw new RolegateError('conflict', { detail, extras: { reason: entitlement.grant ? 'grant_active' : 'already_entitled' } });
  }
  if (decided.reason !== 'grant_required') {
    const error = roleRequestError(decided);
    if (decided.reason === 'not_entitled')
      throw new RolegateError('role_not_entitled', {
        detail: `Your groups make you neither entitled nor eligible to request ${decided.role.name} in ${decided.account.alias}`,
        extras: { reason: 'not_eligible' },
      });
    throw error;
  }
  const { account, role, eligibility } = decided;
  const mapping = eligibility.mappings[0];
  if (mapping === undefined) throw new RolegateError('server_error', { detail: 'an eligible role without its mapping' });
  const policy = eligibility.policy;
  const checked = checkRequestAgainstPolicy(policy, ask, now, `${role.name} in ${account.alias}`);
  const open = await deps.store.list({ principalId: principal.id, roleIds: [role.id], states: OPEN_STATES, limit: 1 });
  const existing = open[0];
  if (existing !== undefined)
    throw new RolegateError('conflict', {
      detail: `You have request ${existing.id} for ${role.name} in ${account.alias} ${existing.state} already: cancel it first`,
      extras: { reason: 'request_open', requestId: existing.id, state: existing.state },
    });
  const autoGroup = principal.groups.find((g) => policy.autoApproveGroups.includes(g));
  const record = await deps.store.create({
    id: randomUUID(),
    principalId: principal.id,
    idp: principal.idp,
    username: principal.username,
    groups: principal.groups,
    accountId: account.id,
    roleId: role.id,
    roleArn: role.arn,
    mappingId: mapping.id,
    policy,
    durationSeconds: ask.durationSeconds,
    ...checked,
    ...(ask.startsAt === undefined ? {} : { startsAt: ask.startsAt }),
    now,
    expiresAt: now + (deps.pendingTtlSeconds ?? DEFAULT_PENDING_TTL_SECONDS) * 1000,
    ...(autoApproves(policy, principal.groups) && autoGroup !== undefined ? { autoApprovedBy: `auto-approval:${autoGroup}` } : {}),
  });
  await audit(deps, caller, 'access_request.create', record, { from: undefined });
  if (record.state === 'active' || record.state === 'approved') await grantStarted(deps, caller, record, 'pending');
  return record;
}

/** One approval by someone in an approver group (never the requester); the last one needed opens the grant. */
export async function approveRequest(deps: AccessRequestDeps, caller: Caller, id: string, comment?: string): Promise<AccessRequestRecord> {
  const { record, policy } = await decidable(deps, caller, id, 'approve');
  const result = await deps.store.approve(id, {
    approverId: caller.principal.id,
    ...(comment === undefined ? {} : { comment }),
    at: deps.clock.now(),
    needed: policy.approvalsNeeded,
  });
  const done = await settled(deps, caller, 'approve', record, result);
  await audit(deps, caller, 'access_request.approve', done, {
    from: result.ok ? result.from : undefined,
    comment,
    approvals: done.approvals.length,
    approvalsNeeded: policy.approvalsNeeded,
  });
  if (result.ok && result.moved) await grantStarted(deps, caller, done, result.from);
  return done;
}

/** A denial by someone in an approver group (never the requester): the request ends. */
export async function denyRequest(deps: AccessRequestDeps, caller: Caller, id: string, comment?: string): Promise<AccessRequestRecord> {
  const { record } = await decidable(deps, caller, id, 'deny');
  const result = await deps.store.deny(id, {
    approverId: caller.principal.id,
    ...(comment === undefined ? {} : { comment }),
    at: deps.clock.now(),
  });
  const done = await settled(deps, caller, 'deny', record, result);
  await audit(deps, caller, 'access_request.deny', done, { from: result.ok ? result.from : undefined, comment });
  return done;
}

/** The requester withdraws a request, or ends their grant early. */
export async function cancelRequest(deps: AccessRequestDeps, caller: Caller, id: string): Promise<AccessRequestRecord> {
  const result = await deps.store.cancel(id, { principalId: caller.principal.id, at: deps.clock.now() });
  const done = await settled(deps, caller, 'cancel', undefined, result);
  const from = result.ok ? result.from : undefined;
  await audit(deps, caller, 'access_request.cancel', done, { from });
  if (from === 'active' || from === 'approved') await grantEnded(deps, caller, done, 'cancelled');
  return done;
}

/** An administrator ends a grant (active, or approved and not started). */
export async function revokeGrant(deps: AccessRequestDeps, caller: Caller, id: string, reason: string): Promise<AccessRequestRecord> {
  if (!deps.isAdmin(caller.principal)) throw new RolegateError('forbidden', { detail: 'Revoking a grant needs an administrator' });
  const result = await deps.store.revoke(id, { actorId: caller.principal.id, reason, at: deps.clock.now() });
  const done = await settled(deps, caller, 'revoke', undefined, result);
  await grantEnded(deps, caller, done, 'revoked', reason);
  return done;
}

/** A request the caller may see: their own, one they may decide, or any for an administrator (404 otherwise). */
export async function getRequest(deps: AccessRequestDeps, caller: Caller, id: string): Promise<AccessRequestRecord> {
  const record = await deps.store.get(id);
  if (record === undefined || !mayView(deps, caller.principal, record)) throw notFound(id);
  return record;
}

/** The caller's own requests, newest first. */
export async function listMyRequests(deps: AccessRequestDeps, caller: Caller, limit: number): Promise<AccessRequestRecord[]> {
  return deps.store.list({ principalId: caller.principal.id, limit });
}

/** Pending requests the caller may decide (an approver inbox): not their own, their groups among the approvers. */
export async function listToApprove(deps: AccessRequestDeps, caller: Caller, limit: number): Promise<AccessRequestRecord[]> {
  const pending = await deps.store.list({ states: ['pending'], limit: 1000 });
  return pending.filter((r) => r.principalId !== caller.principal.id && isApprover(r.policy, caller.principal.groups)).slice(0, limit);
}

/** Every request (administrators), optionally by state and requester. */
export async function listAllRequests(
  deps: AccessRequestDeps,
  filter: { states?: AccessRequestState[]; principalId?: string; limit: number },
): Promise<AccessRequestRecord[]> {
  return deps.store.list({
    ...(filter.states ? { states: filter.states } : {}),
    ...(filter.principalId ? { principalId: filter.principalId } : {}),
    limit: filter.limit,
  });
}

/**
 * Moves what time moves (expired_unanswered, a late start, a grant's end),
 * audits each move and ends grants everywhere. Every instance runs it; each
 * move happens once (the store's conditional updates), so it is audited once.
 */
export async function advanceAccessRequests(deps: AccessRequestDeps): Promise<number> {
  const moved = await deps.store.advance(deps.clock.now());
  const system: Caller = { principal: SYSTEM, requestId: 'access-request-sweep', log: deps.logger };
  for (const { record, from } of moved) {
    if (record.state === 'expired_unanswered') await audit(deps, system, 'access_request.expire', record, { from });
    else if (record.state === 'active' && from === 'approved') await grantStarted(deps, system, record, from);
    else if (record.state === 'expired') await grantEnded(deps, system, record, 'expired');
  }
  return moved.length;
}

/** rolegate itself, as the actor of what time does. */
const SYSTEM: Principal = {
  id: 'rolegate:system',
  idp: 'rolegate',
  subject: 'system',
  username: 'rolegate',
  groups: [],
  authn: { methods: [], mfa: false, authenticatedAt: 0 },
};

/** The request and the policy its decision is judged by, or the 403/404/409 why not. */
async function decidable(
  deps: AccessRequestDeps,
  caller: Caller,
  id: string,
  action: 'approve' | 'deny',
): Promise<{ record: AccessRequestRecord; policy: ApprovalPolicy }> {
  const record = await deps.store.get(id);
  if (record === undefined || !mayView(deps, caller.principal, record)) throw notFound(id);
  const model = await deps.accessModel.index();
  // The policy as it is now: an approver removed from the approver groups since the request cannot decide it.
  const policy = model.mappings.find((m) => m.id === record.mappingId)?.approval;
  const refusal =
    policy === undefined ? undefined : approverRefusal(record, policy, { id: caller.principal.id, groups: caller.principal.groups });
  if (policy === undefined || refusal !== undefined) {
    const detail = refusal ?? `The eligible mapping request ${id} was made under no longer exists: it can no longer be ${action}d`;
    await audit(deps, caller, `access_request.${action}`, record, { refused: detail }, 'denied');
    if (policy === undefined) throw new RolegateError('conflict', { detail, extras: { reason: 'no_longer_eligible' } });
    throw new RolegateError('forbidden', {
      detail,
      extras: { reason: caller.principal.id === record.principalId ? 'self_approval' : 'not_an_approver' },
    });
  }
  return { record, policy };
}

/** The stored record after a transition, or the error its refusal is answered with (a found expiry is audited). */
async function settled(
  deps: AccessRequestDeps,
  caller: Caller,
  action: string,
  before: AccessRequestRecord | undefined,
  result: TransitionResult,
): Promise<AccessRequestRecord> {
  if (result.ok) return result.record;
  const record = result.record ?? before;
  if (result.expiredNow && record) await audit(deps, caller, 'access_request.expire', record, { from: 'pending' });
  switch (result.refusal) {
    case 'not_found':
      throw notFound(record?.id ?? '');
    case 'expired':
      throw new RolegateError('conflict', {
        detail: `The request expired unanswered at ${new Date(record?.expiresAt ?? 0).toISOString()}: it can no longer be ${action === 'approve' ? 'approved' : `${action}ed`}`,
        extras: { reason: 'request_expired', state: 'expired_unanswered' },
      });
    case 'already_approved':
      throw new RolegateError('conflict', {
        detail: 'You approved this request already',
        extras: { reason: 'already_approved', state: record?.state },
      });
    case 'wrong_state':
      throw new RolegateError('conflict', {
        detail: `The request is ${record?.state ?? 'gone'}: it cannot be ${action === 'cancel' ? 'cancelled' : `${action}d`} now`,
        extras: { reason: 'wrong_state', state: record?.state },
      });
  }
}

async function grantStarted(deps: AccessRequestDeps, caller: Caller, record: AccessRequestRecord, from: AccessRequestState): Promise<void> {
  if (record.endsAt === undefined) return;
  await deps.grants.publish({
    grant: {
      id: record.id,
      principalId: record.principalId,
      roleId: record.roleId,
      startsAt: record.startsAt ?? record.createdAt,
      endsAt: record.endsAt,
    },
  });
  if (record.state === 'active') await audit(deps, caller, 'access_grant.activate', record, { from });
}

/** A grant ended: refused from now on on every instance, its cached credentials dropped, audited. */
async function grantEnded(
  deps: AccessRequestDeps,
  caller: Caller,
  record: AccessRequestRecord,
  how: 'expired' | 'revoked' | 'cancelled',
  why?: string,
): Promise<void> {
  await deps.grants.publish({ ended: { id: record.id, principalId: record.principalId, roleId: record.roleId } });
  const dropped = await deps.dropCredentials(record.principalId, record.roleId).catch((error: unknown) => {
    caller.log.error({ err: error, accessRequestId: record.id }, 'could not drop the cached credentials of an ended grant');
    return undefined;
  });
  await audit(deps, caller, 'access_grant.end', record, {
    end: how,
    ...(why === undefined ? {} : { why }),
    ...(dropped === undefined ? { cachedCredentialsDropped: 'failed' } : { cachedCredentialsDropped: dropped }),
  });
}

function mayView(deps: AccessRequestDeps, principal: Principal, record: AccessRequestRecord): boolean {
  return principal.id === record.principalId || isApprover(record.policy, principal.groups) || deps.isAdmin(principal);
}

function notFound(id: string): RolegateError {
  return new RolegateError('not_found', { detail: `No access request ${id.slice(0, 80)} that you may see` });
}

/**
 * The audit event of a transition (or a refused attempt): who acted, from
 * where, on which request, and why (the request's reason, the decision's comment).
 */
async function audit(
  deps: AccessRequestDeps,
  caller: Caller,
  type: string,
  record: AccessRequestRecord,
  extra: Record<string, unknown>,
  outcome: AuditEvent['outcome'] = 'success',
): Promise<void> {
  const event: AuditEvent = {
    type,
    outcome,
    subject: caller.principal.id,
    idp: caller.principal.idp,
    groups: caller.principal.groups,
    accountId: record.accountId,
    roleArn: record.roleArn,
    durationSeconds: record.durationSeconds,
    requestId: caller.requestId,
    ...(caller.sourceIp ? { sourceIp: caller.sourceIp } : {}),
    ...(caller.userAgent ? { userAgent: caller.userAgent.slice(0, 512) } : {}),
    ...(typeof extra.refused === 'string' ? { reason: extra.refused } : {}),
    details: {
      accessRequestId: record.id,
      requester: record.principalId,
      state: record.state,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(record.ticket === undefined ? {} : { ticket: record.ticket }),
      ...(record.endsAt === undefined ? {} : { endsAt: new Date(record.endsAt).toISOString() }),
      ...(record.autoApproved ? { autoApproved: true, decidedBy: record.decidedBy } : {}),
      ...Object.fromEntries(Object.entries(extra).filter(([key, value]) => value !== undefined && key !== 'refused')),
    },
  };
  await deps.audit
    .record(event)
    .catch((error: unknown) => caller.log.error({ err: error, event: type }, 'could not record an access-request event'));
}

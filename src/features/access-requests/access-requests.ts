import { randomUUID } from 'node:crypto';
import type { AccessIndex } from '../../domain/access-index.js';
import type { ApprovalPolicy } from '../../domain/access-model.js';
import {
  approverRefusal,
  autoApproves,
  checkRequestAgainstPolicy,
  DEFAULT_APPROVER_MFA_MAX_AGE_SECONDS,
  DEFAULT_PENDING_TTL_SECONDS,
  formatDuration,
  isApprover,
  stepUpReason,
  stepUpUrl,
  type AccessRequestRecord,
  type AccessRequestState,
} from '../../domain/access-requests.js';
import { RolegateError } from '../../domain/errors.js';
import { safeReturnTo } from '../../domain/return-to.js';
import type { Principal } from '../../domain/principal.js';
import { checkRoleRequestIn, roleRequestError } from '../../domain/role-request.js';
import type { AccessRequestStore, AuditOf, NewAccessRequest, StoredChange, TransitionResult } from '../../ports/access-request-store.js';
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
  /** Counts what happens, for metrics (composition/access-requests.ts wires it to Prometheus). */
  observer?: AccessRequestObserver;
}

/** What the metrics count: each once, after its commit (the store moves each row once). */
export interface AccessRequestObserver {
  /** A decision (or an auto-approval) was made this long after the request. */
  decided(decision: 'approved' | 'denied' | 'auto_approved', seconds: number): void;
  /** A grant ended; `early` when before its end (cancelled, revoked, mapping removed). */
  grantEnded(how: GrantEnd, early: boolean): void;
}

export type GrantEnd = 'expired' | 'revoked' | 'cancelled' | 'mapping_removed';

/** One (account, role) pair of a request. */
export interface RolePair {
  /** 12-digit id or alias. */
  account: string;
  role: string;
}

/** Most pairs one request may name: each is its own request, approved on its own. */
export const MAX_PAIRS_PER_REQUEST = 20;

export interface RequestAccessAsk {
  /** One or more (account, role) pairs, each its own request; all are created or none. */
  roles: readonly RolePair[];
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  /** ms since epoch. */
  startsAt?: number;
}

/** Whoever acts, as the audit trail names them: a caller, an administrator (admin-deps.ts' Actor) or rolegate itself. */
type Acting = Omit<Caller, 'principal'> & { principal: Pick<Principal, 'id' | 'idp' | 'groups'> };

const OPEN_STATES: readonly AccessRequestState[] = ['pending', 'approved', 'active'];

/**
 * A user asks for eligible roles: each must be eligible for them now (an
 * eligible mapping of theirs passes its conditions), each request must pass
 * its mapping's policy (duration within maxGrant, reason, ticket), and they
 * must not hold an open request or grant for it already. Several pairs are
 * several requests sharing a batch id, created all or none; a refusal names
 * the pair. Members of an auto-approval group get the grant at once
 * (recorded as auto-approved).
 */
export async function requestAccess(deps: AccessRequestDeps, caller: Caller, ask: RequestAccessAsk): Promise<AccessRequestRecord[]> {
  const pairs = ask.roles;
  if (pairs.length === 0 || pairs.length > MAX_PAIRS_PER_REQUEST)
    throw new RolegateError('invalid_request', {
      detail: `A request names 1-${String(MAX_PAIRS_PER_REQUEST)} (account, role) pairs, not ${String(pairs.length)}`,
      extras: { reason: 'invalid_roles' },
    });
  const now = deps.clock.now();
  const model = await deps.accessModel.index();
  const batchId = pairs.length > 1 ? randomUUID() : undefined;
  const news: NewAccessRequest[] = [];
  const seen = new Map<string, number>();
  for (const [index, pair] of pairs.entries()) {
    const made = await namingPair(pairs.length, index, pair, async () => {
      const request = await newRequestFor(deps, caller, model, now, ask, pair);
      const twice = seen.get(request.roleId);
      if (twice !== undefined)
        throw new RolegateError('invalid_request', {
          detail: `the same role as roles[${String(twice)}]: name each role once`,
          extras: { reason: 'duplicate_role' },
        });
      seen.set(request.roleId, index);
      return request;
    });
    news.push(batchId === undefined ? made : { ...made, batchId });
  }
  const records = await deps.store.create(news, (change) => {
    const events = [eventOf(caller, 'access_request.create', change.record, { from: undefined })];
    if (change.record.state === 'active') events.push(eventOf(caller, 'access_grant.activate', change.record, { from: 'pending' }));
    return events;
  });
  for (const record of records) {
    if (record.state === 'active' || record.state === 'approved') {
      deps.observer?.decided('auto_approved', 0);
      await grantStarted(deps, record);
    }
  }
  return records;
}

/** Runs one pair's checks; with several pairs, a refusal names the pair it is about (`roles[1] (prod/Admin): …`). */
async function namingPair<T>(count: number, index: number, pair: RolePair, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (count === 1 || !(error instanceof RolegateError)) throw error;
    throw new RolegateError(error.code, {
      detail: `roles[${String(index)}] (${pair.account.slice(0, 64)}/${pair.role.slice(0, 64)}): ${error.detail}`,
      extras: { ...error.extras, pair: { index, account: pair.account.slice(0, 64), role: pair.role.slice(0, 64) } },
      headers: error.headers,
    });
  }
}

/** One pair's request, checked against the model and its policy (not yet stored). */
async function newRequestFor(
  deps: AccessRequestDeps,
  caller: Caller,
  model: AccessIndex,
  now: number,
  ask: RequestAccessAsk,
  pair: RolePair,
): Promise<NewAccessRequest> {
  const { principal } = caller;
  const decided = checkRoleRequestIn(
    model,
    { principal, sourceIp: caller.sourceIp, now, grantFor: (roleId) => deps.grants.grantFor(principal.id, roleId) },
    { account: pair.account, role: pair.role },
  );
  if (decided.ok || decided.reason === 'justification_required') {
    const entitlement = decided.entitlement;
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
  return {
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
  };
}

/**
 * One approval by someone in an approver group (never the requester); the last one needed opens the grant.
 * The approver's sign-in must show a second factor no older than the policy's approverMfaMaxAge
 * (default 1h), else `step_up_required` with the step-up address (back to `returnTo`, a local path).
 */
export async function approveRequest(
  deps: AccessRequestDeps,
  caller: Caller,
  id: string,
  comment?: string,
  returnTo = '/',
): Promise<AccessRequestRecord> {
  const { record, policy } = await decidable(deps, caller, id, 'approve');
  const maxAgeSeconds = policy.approverMfaMaxAgeSeconds ?? DEFAULT_APPROVER_MFA_MAX_AGE_SECONDS;
  const stepUp = stepUpReason(caller.principal.authn, maxAgeSeconds, deps.clock.now());
  if (stepUp !== undefined) {
    const detail =
      stepUp === 'mfa_required'
        ? 'Approving needs a sign-in with a second factor: sign in again (step-up) and approve then'
        : `Approving needs a second-factor sign-in at most ${formatDuration(maxAgeSeconds)} old: sign in again (step-up) and approve then`;
    await deps.audit
      .record(eventOf(caller, 'access_request.approve', record, { refused: detail, stepUp }, 'denied'))
      .catch((error: unknown) => caller.log.error({ err: error, event: 'approve' }, 'could not record a refused access-request decision'));
    throw new RolegateError('step_up_required', {
      detail,
      extras: {
        reason: stepUp,
        maxAgeSeconds,
        authenticatedAt: new Date(caller.principal.authn.authenticatedAt).toISOString(),
        stepUpUrl: stepUpUrl(safeReturnTo(returnTo)),
      },
    });
  }
  const result = await deps.store.approve(
    id,
    {
      approverId: caller.principal.id,
      ...(comment === undefined ? {} : { comment }),
      at: deps.clock.now(),
      needed: policy.approvalsNeeded,
    },
    orExpired(caller, (change) => {
      const events = [
        eventOf(caller, 'access_request.approve', change.record, {
          from: change.from,
          comment,
          approvals: change.record.approvals.length,
          approvalsNeeded: policy.approvalsNeeded,
        }),
      ];
      if (change.moved && change.record.state === 'active')
        events.push(eventOf(caller, 'access_grant.activate', change.record, { from: change.from }));
      return events;
    }),
  );
  const done = settled('approve', record, result);
  if (result.ok && result.moved) {
    deps.observer?.decided('approved', secondsSince(done.createdAt, done.decidedAt));
    await grantStarted(deps, done);
  }
  return done;
}

/** A denial by someone in an approver group (never the requester): the request ends. */
export async function denyRequest(deps: AccessRequestDeps, caller: Caller, id: string, comment?: string): Promise<AccessRequestRecord> {
  const { record } = await decidable(deps, caller, id, 'deny');
  const result = await deps.store.deny(
    id,
    { approverId: caller.principal.id, ...(comment === undefined ? {} : { comment }), at: deps.clock.now() },
    orExpired(caller, (change) => [eventOf(caller, 'access_request.deny', change.record, { from: change.from, comment })]),
  );
  const done = settled('deny', record, result);
  if (result.ok) deps.observer?.decided('denied', secondsSince(done.createdAt, done.decidedAt));
  return done;
}

/** The requester withdraws a request, or ends their grant early. */
export async function cancelRequest(deps: AccessRequestDeps, caller: Caller, id: string): Promise<AccessRequestRecord> {
  const result = await deps.store.cancel(
    id,
    { principalId: caller.principal.id, at: deps.clock.now() },
    orExpired(caller, (change) => [
      eventOf(caller, 'access_request.cancel', change.record, { from: change.from }),
      ...(change.from === 'active' || change.from === 'approved' ? [endEvent(caller, change, 'cancelled')] : []),
    ]),
  );
  const done = settled('cancel', undefined, result);
  const from = result.ok ? result.from : undefined;
  if (from === 'active' || from === 'approved') await grantEnded(deps, caller, done, 'cancelled');
  return done;
}

/** An administrator ends a grant (active, or approved and not started). */
export async function revokeGrant(deps: AccessRequestDeps, caller: Caller, id: string, reason: string): Promise<AccessRequestRecord> {
  if (!deps.isAdmin(caller.principal)) throw new RolegateError('forbidden', { detail: 'Revoking a grant needs an administrator' });
  const result = await deps.store.revoke(id, { actorId: caller.principal.id, reason, at: deps.clock.now() }, (change) => [
    endEvent(caller, change, 'revoked', reason),
  ]);
  const done = settled('revoke', undefined, result);
  await grantEnded(deps, caller, done, 'revoked');
  return done;
}

/**
 * Ends, at once, every grant whose eligible mapping is gone (`rolegate apply`
 * or the admin API removed it, or its role): state revoked, end reason
 * mapping_removed, audited in the same transaction with who removed it,
 * refused on every instance and its cached credentials dropped. Called after
 * each committed admin change, and by every instance's sweep (a change made
 * while this instance was down, or a failed call here, is caught there).
 */
export async function endGrantsOfRemovedMappings(deps: AccessRequestDeps, caller: Acting): Promise<number> {
  const ended = await deps.store.endOrphaned(deps.clock.now(), caller.principal.id, (change) => [
    endEvent(caller, change, 'mapping_removed', 'its eligible mapping was removed from the access model'),
  ]);
  for (const { record } of ended) await grantEnded(deps, caller, record, 'mapping_removed');
  return ended.length;
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

/**
 * The requester's other requests, newest first, for someone who may see this
 * one (an approver judging it: the inbox's "previous requests"); 404 otherwise.
 */
export async function requesterHistory(
  deps: AccessRequestDeps,
  caller: Caller,
  record: AccessRequestRecord,
  limit: number,
): Promise<AccessRequestRecord[]> {
  if (!mayView(deps, caller.principal, record)) throw notFound(record.id);
  const theirs = await deps.store.list({ principalId: record.principalId, limit: limit + 1 });
  return theirs.filter((r) => r.id !== record.id).slice(0, limit);
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
  const system: Caller = { principal: SYSTEM, requestId: 'access-request-sweep', log: deps.logger };
  const moved = await deps.store.advance(deps.clock.now(), (change) => {
    const { record } = change;
    if (record.state === 'expired_unanswered') return [eventOf(system, 'access_request.expire', record, { from: change.from })];
    if (record.state === 'active') return [eventOf(system, 'access_grant.activate', record, { from: change.from })];
    if (record.state === 'expired') return [endEvent(system, change, 'expired')];
    return [];
  });
  for (const { record, from } of moved) {
    if (record.state === 'active' && from === 'approved') await grantStarted(deps, record);
    else if (record.state === 'expired') await grantEnded(deps, system, record, 'expired');
  }
  return moved.length + (await endGrantsOfRemovedMappings(deps, system));
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
    // A refused attempt changes nothing, so it has no transaction of its own to be written in.
    await deps.audit
      .record(eventOf(caller, `access_request.${action}`, record, { refused: detail }, 'denied'))
      .catch((error: unknown) => caller.log.error({ err: error, event: action }, 'could not record a refused access-request decision'));
    if (policy === undefined) throw new RolegateError('conflict', { detail, extras: { reason: 'no_longer_eligible' } });
    throw new RolegateError('forbidden', {
      detail,
      extras: { reason: caller.principal.id === record.principalId ? 'self_approval' : 'not_an_approver' },
    });
  }
  return { record, policy };
}

/** The stored record after a transition, or the error its refusal is answered with (a found expiry was audited by orExpired). */
function settled(action: string, before: AccessRequestRecord | undefined, result: TransitionResult): AccessRequestRecord {
  if (result.ok) return result.record;
  const record = result.record ?? before;
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

/** A grant opened (its audit row was written with the transition): every instance holds it from now. */
async function grantStarted(deps: AccessRequestDeps, record: AccessRequestRecord): Promise<void> {
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
}

/**
 * A grant ended (its `access_grant.end` row was written with the transition):
 * refused from now on on every instance, its cached credentials dropped, and
 * what the purge dropped recorded after it (`access_grant.purge`).
 */
async function grantEnded(deps: AccessRequestDeps, caller: Acting, record: AccessRequestRecord, how: GrantEnd): Promise<void> {
  await deps.grants.publish({ ended: { id: record.id, principalId: record.principalId, roleId: record.roleId } });
  deps.observer?.grantEnded(how, how !== 'expired' && (record.endsAt === undefined || (record.endedAt ?? 0) < record.endsAt));
  const dropped = await deps.dropCredentials(record.principalId, record.roleId).catch((error: unknown) => {
    caller.log.error({ err: error, accessRequestId: record.id }, 'could not drop the cached credentials of an ended grant');
    return undefined;
  });
  await deps.audit
    .record(
      eventOf(caller, 'access_grant.purge', record, {
        end: how,
        ...(dropped === undefined ? { cachedCredentialsDropped: 'failed' } : { cachedCredentialsDropped: dropped }),
      }),
    )
    .catch((error: unknown) => caller.log.error({ err: error, event: 'access_grant.purge' }, 'could not record a credentials purge'));
}

/** The `access_grant.end` event of a change that ended a grant: how, and why when someone said. */
function endEvent(caller: Acting, change: StoredChange, how: GrantEnd, why?: string): AuditEvent {
  return eventOf(caller, 'access_grant.end', change.record, { from: change.from, end: how, ...(why === undefined ? {} : { why }) });
}

/** The audit of a transition, or — when the call found the pending request past its expiry — its expiry's. */
function orExpired(caller: Acting, audit: AuditOf): AuditOf {
  return (change) =>
    change.record.state === 'expired_unanswered' && change.from === 'pending'
      ? [eventOf(caller, 'access_request.expire', change.record, { from: 'pending' })]
      : audit(change);
}

function secondsSince(from: number, to: number | undefined): number {
  return Math.max(0, ((to ?? from) - from) / 1000);
}

function mayView(deps: AccessRequestDeps, principal: Principal, record: AccessRequestRecord): boolean {
  return principal.id === record.principalId || isApprover(record.policy, principal.groups) || deps.isAdmin(principal);
}

function notFound(id: string): RolegateError {
  return new RolegateError('not_found', { detail: `No access request ${id.slice(0, 80)} that you may see` });
}

/**
 * The audit event of a transition (or a refused attempt): who acted, from
 * where, on which request (`details.accessRequestId`), and why (the request's
 * reason, the decision's comment).
 */
function eventOf(
  caller: Acting,
  type: string,
  record: AccessRequestRecord,
  extra: Record<string, unknown>,
  outcome: AuditEvent['outcome'] = 'success',
): AuditEvent {
  return {
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
      ...(record.batchId === undefined ? {} : { batchId: record.batchId }),
      ...(record.reason === undefined ? {} : { reason: record.reason }),
      ...(record.ticket === undefined ? {} : { ticket: record.ticket }),
      ...(record.endsAt === undefined ? {} : { endsAt: new Date(record.endsAt).toISOString() }),
      ...(record.autoApproved ? { autoApproved: true, decidedBy: record.decidedBy } : {}),
      ...Object.fromEntries(Object.entries(extra).filter(([key, value]) => value !== undefined && key !== 'refused')),
    },
  };
}

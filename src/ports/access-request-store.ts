import type { ApprovalPolicy } from '../domain/access-model.js';
import type { AccessRequestRecord, AccessRequestState, ActiveGrant } from '../domain/access-requests.js';
import type { AuditEvent } from './audit-log.js';

/** A new request as the feature decided it (policy checked, auto-approval decided). */
export interface NewAccessRequest {
  id: string;
  principalId: string;
  idp: string;
  username: string;
  groups: readonly string[];
  accountId: string;
  roleId: string;
  roleArn: string;
  mappingId: string;
  policy: ApprovalPolicy;
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  /** ms since epoch: when the grant should start (absent: at approval). */
  startsAt?: number;
  /** ms since epoch: when it was made, and when it expires unanswered. */
  now: number;
  expiresAt: number;
  /** Approved at once by an auto-approval group: stored active (or approved, with a later start). */
  autoApprovedBy?: string;
  /** Requests made together (several roles at once) share this id. */
  batchId?: string;
}

/**
 * One change a store call made: the record as the change left it, the state
 * it left (undefined for a new request) and whether the state moved (false:
 * an approval was recorded and more are needed).
 */
export interface StoredChange {
  record: AccessRequestRecord;
  from: AccessRequestState | undefined;
  moved: boolean;
}

/**
 * The audit events of a change, written in the change's own transaction: no
 * transition commits without its audit rows, and no row is written for a
 * change that rolled back. Called once per change, inside the transaction.
 */
export type AuditOf = (change: StoredChange) => readonly AuditEvent[];

/**
 * Why a transition did not happen. `wrong_state`: the request is no longer
 * in a state the transition starts from (decided, cancelled, ended);
 * `expired`: a pending request past its expiry (it is marked
 * expired_unanswered by the same call); `already_approved`: this approver
 * approved it before.
 */
export type TransitionRefusal = 'not_found' | 'wrong_state' | 'expired' | 'already_approved';

export type TransitionResult =
  /** `moved`: the state changed (false: an approval was recorded and more are needed). */
  | { ok: true; record: AccessRequestRecord; from: AccessRequestState; moved: boolean }
  /** `expiredNow`: this call found the pending request past its expiry and marked it expired_unanswered. */
  | { ok: false; refusal: TransitionRefusal; record?: AccessRequestRecord; expiredNow?: boolean };

export interface AccessRequestFilter {
  principalId?: string;
  states?: readonly AccessRequestState[];
  /** Only requests for these role ids (an approver's inbox). */
  roleIds?: readonly string[];
  limit: number;
}

/**
 * Access requests and their grants in PostgreSQL. Every transition is atomic:
 * it happens only from the states it starts from (a row lock or a
 * conditional UPDATE), so two approvers at once give exactly one decision and
 * a decision after expiry is refused. Every time (`at`, `now`) comes from the
 * caller's one clock, never from the database's, so instances and tests agree.
 */
export interface AccessRequestStore {
  /** Stores requests all or none (one transaction), in order. */
  create(requests: readonly NewAccessRequest[], audit?: AuditOf): Promise<AccessRequestRecord[]>;
  get(id: string): Promise<AccessRequestRecord | undefined>;
  /** Newest first. */
  list(filter: AccessRequestFilter): Promise<AccessRequestRecord[]>;
  /** How many requests are in each state now (metrics). */
  countByState(): Promise<Partial<Record<AccessRequestState, number>>>;
  /**
   * Records one approval; when `needed` distinct approvals are reached the
   * request is decided: active at once (or approved, when it starts later),
   * ending `durationSeconds` after its start.
   */
  approve(
    id: string,
    approval: { approverId: string; comment?: string; at: number; needed: number },
    audit?: AuditOf,
  ): Promise<TransitionResult>;
  deny(id: string, decision: { approverId: string; comment?: string; at: number }, audit?: AuditOf): Promise<TransitionResult>;
  /** The requester withdraws a pending or approved request, or ends an active grant early. */
  cancel(id: string, by: { principalId: string; at: number }, audit?: AuditOf): Promise<TransitionResult>;
  /** An administrator or approver ends an active (or approved) grant. */
  revoke(id: string, by: { actorId: string; reason: string; at: number }, audit?: AuditOf): Promise<TransitionResult>;
  /**
   * Ends (state revoked, end reason `mapping_removed`) every active or
   * approved grant whose eligible mapping no longer exists. Each row moves
   * once, whichever instance asks; `audit` is written in the same
   * transaction as the moves.
   */
  endOrphaned(at: number, by: string, audit?: AuditOf): Promise<StoredChange[]>;
  /**
   * What time moves: pending requests past expiry become expired_unanswered,
   * approved ones whose start came become active, active grants past their end
   * become expired. Each row moves once, whichever instance asks.
   */
  advance(at: number, audit?: AuditOf): Promise<{ record: AccessRequestRecord; from: AccessRequestState }[]>;
  /** Every grant active at `at` (or approved, starting later): what the in-memory index loads. */
  listGrants(at: number): Promise<ActiveGrant[]>;
}

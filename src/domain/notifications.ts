import type { AccessRequestRecord, AccessRequestState } from './access-requests.js';

/**
 * Notifications (docs/just-in-time.md#notifications): what rolegate tells
 * webhooks about. Pure: the event kinds, the event a state change makes, and
 * the back-off between delivery attempts.
 */
export const NOTIFICATION_KINDS = [
  'access_request.created',
  'access_request.approved',
  'access_request.denied',
  'access_request.cancelled',
  'access_request.expired',
  'access_grant.activated',
  'access_grant.ended',
  'break_glass.used',
  'access.revoked',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The request as a notification shows it: ISO times, no policy internals. */
export interface NotifiedRequest {
  id: string;
  state: AccessRequestState;
  requester: string;
  username: string;
  accountId: string;
  roleArn: string;
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  createdAt: string;
  startsAt?: string;
  endsAt?: string;
  decidedBy?: string;
  decisionComment?: string;
  endedBy?: string;
  endReason?: string;
  approvals: { approverId: string; at: string }[];
  autoApproved: boolean;
}

/** One event, as stored in the outbox and sent (json format) as the body. */
export interface NotificationEvent {
  /** The same for every target and every retry: receivers de-duplicate on it. */
  id: string;
  kind: NotificationKind;
  /** ISO time of the state change. */
  occurredAt: string;
  /** Who made it happen (principal id), or rolegate:system for what time does. */
  actor: string;
  request?: NotifiedRequest;
  /** break_glass.used and access.revoked: what happened, in the audit trail's words. */
  details?: Record<string, unknown>;
}

/** What a transition tells: the event kinds it makes, from the state before and the record after. */
export function kindsOfTransition(from: AccessRequestState | undefined, record: AccessRequestRecord): NotificationKind[] {
  const to = record.state;
  if (from === undefined) {
    if (to === 'pending') return ['access_request.created'];
    // Auto-approved at once: created and decided together.
    if (to === 'approved') return ['access_request.created', 'access_request.approved'];
    return ['access_request.created', 'access_request.approved', 'access_grant.activated'];
  }
  if (from === to) return [];
  if (to === 'expired_unanswered') return ['access_request.expired'];
  if (to === 'denied') return ['access_request.denied'];
  if (to === 'approved') return ['access_request.approved'];
  if (to === 'active') return from === 'pending' ? ['access_request.approved', 'access_grant.activated'] : ['access_grant.activated'];
  if (to === 'cancelled') return from === 'active' ? ['access_request.cancelled', 'access_grant.ended'] : ['access_request.cancelled'];
  if (to === 'expired' || to === 'revoked') return ['access_grant.ended'];
  return [];
}

export function notifiedRequest(record: AccessRequestRecord): NotifiedRequest {
  const at = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const optional = Object.entries({
    reason: record.reason,
    ticket: record.ticket,
    startsAt: at(record.startsAt),
    endsAt: at(record.endsAt),
    decidedBy: record.decidedBy,
    decisionComment: record.decisionComment,
    endedBy: record.endedBy,
    endReason: record.endReason,
  }).filter(([, value]) => value !== undefined);
  return {
    id: record.id,
    state: record.state,
    requester: record.principalId,
    username: record.username,
    accountId: record.accountId,
    roleArn: record.roleArn,
    durationSeconds: record.durationSeconds,
    createdAt: new Date(record.createdAt).toISOString(),
    ...(Object.fromEntries(optional) as Partial<NotifiedRequest>),
    approvals: record.approvals.map((a) => ({ approverId: a.approverId, at: new Date(a.at).toISOString() })),
    autoApproved: record.autoApproved,
  };
}

/**
 * Milliseconds to wait after the `attempt`-th failed attempt (1-based):
 * exponential back-off with full jitter (a uniform draw from 0 to
 * min(max, base·2^(attempt-1))), so receivers coming back up are not hit by
 * every instance at once. `random` is in [0, 1).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.floor(random * ceiling);
}

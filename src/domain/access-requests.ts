import type { ApprovalPolicy } from './access-model.js';
import { RolegateError } from './errors.js';

/**
 * Just-in-time access (docs/just-in-time.md): requests for eligible roles,
 * their decisions and the time-boxed grants they open. Pure: the rules a
 * request and a decision must pass, and the shapes stores return. States:
 *
 *   pending → approved | denied | cancelled | expired_unanswered
 *   approved → active (at its start) | cancelled
 *   active → expired | revoked | cancelled
 */
export const ACCESS_REQUEST_STATES = [
  'pending',
  'approved',
  'denied',
  'cancelled',
  'expired_unanswered',
  'active',
  'expired',
  'revoked',
] as const;
export type AccessRequestState = (typeof ACCESS_REQUEST_STATES)[number];

/** States from which nothing moves any more. */
export const FINAL_STATES: ReadonlySet<AccessRequestState> = new Set(['denied', 'cancelled', 'expired_unanswered', 'expired', 'revoked']);

/** Shortest grant: AWS issues no STS session under 900 s, so a shorter grant could never be used. */
export const MIN_GRANT_SECONDS = 900;
/** Longest maxGrant an access file may set (7 days). */
export const MAX_GRANT_LIMIT_SECONDS = 7 * 86_400;
/** How long a request waits for its decisions before it expires unanswered. */
export const DEFAULT_PENDING_TTL_SECONDS = 86_400;
/** How far ahead a request may ask its grant to start. */
export const MAX_START_DELAY_SECONDS = 7 * 86_400;

export const REASON_MIN = 10;
export const REASON_MAX = 1000;
export const TICKET_MAX = 100;
export const TICKET_PATTERN_MAX = 200;

export interface AccessApproval {
  approverId: string;
  at: number;
  comment?: string;
}

/** One request and, once approved, its grant. Times are ms since epoch. */
export interface AccessRequestRecord {
  id: string;
  state: AccessRequestState;
  /** The requester (principal id `<idp>:<subject>`), their IdP and groups when they asked. */
  principalId: string;
  idp: string;
  username: string;
  groups: string[];
  accountId: string;
  roleId: string;
  roleArn: string;
  /** The eligible mapping the request was made under, and its policy then. */
  mappingId: string;
  policy: ApprovalPolicy;
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  createdAt: number;
  /** A pending request expires unanswered at this time. */
  expiresAt: number;
  /** When the grant starts (asked for, or the approval's time). */
  startsAt?: number;
  decidedAt?: number;
  decidedBy?: string;
  decisionComment?: string;
  activatedAt?: number;
  /** The grant's end (start + duration), set at approval. */
  endsAt?: number;
  endedAt?: number;
  endedBy?: string;
  endReason?: string;
  approvals: AccessApproval[];
  /** Set when the request was approved by an auto-approval group. */
  autoApproved: boolean;
  /** Requests made together (several roles at once) share this id. */
  batchId?: string;
}

/** What the in-memory grant index keeps of an active grant. */
export interface ActiveGrant {
  id: string;
  principalId: string;
  roleId: string;
  /** ms since epoch. */
  startsAt: number;
  endsAt: number;
}

/** `4h`, `90m`, `1h30m`, `3600s`, `2d`: a grant length (also what the API's schema accepts). */
export const DURATION_TEXT = /^(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$/;

/** Seconds of a duration text, or undefined when it is not one. */
export function parseDurationText(text: string): number | undefined {
  if (text === '' || text.length > 20) return undefined;
  const match = DURATION_TEXT.exec(text);
  if (!match) return undefined;
  const [d, h, m, s] = match.slice(1).map((part: string | undefined) => Number(part ?? 0)) as [number, number, number, number];
  return d * 86_400 + h * 3600 + m * 60 + s;
}

/** The canonical text of a duration: `4h`, `1h30m`, `2d`, `15m` (what export writes). */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  let left = seconds;
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(left / size);
    if (count > 0) parts.push(`${String(count)}${unit}`);
    left -= count * size;
  }
  return parts.length === 0 ? '0s' : parts.join('');
}

/**
 * Why a ticket pattern cannot be used, or undefined. Patterns are bounded
 * (TICKET_PATTERN_MAX characters) and tested against tickets of at most
 * TICKET_MAX characters, so even a backtracking-prone pattern has little to
 * chew on; one that does not compile as a Unicode regular expression is refused.
 */
export function ticketPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'expected a regular expression';
  if (pattern.length > TICKET_PATTERN_MAX) return `a ticket pattern has at most ${String(TICKET_PATTERN_MAX)} characters`;
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  return undefined;
}

const compiledTickets = new Map<string, RegExp>();

/** The pattern compiled once (anchored: the whole ticket must match). Only for patterns ticketPatternProblem accepts. */
export function ticketMatcher(pattern: string): RegExp {
  let compiled = compiledTickets.get(pattern);
  if (compiled === undefined) {
    compiled = new RegExp(`^(?:${pattern})$`, 'u');
    if (compiledTickets.size >= 1000) compiledTickets.clear();
    compiledTickets.set(pattern, compiled);
  }
  return compiled;
}

export interface RequestAsk {
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  /** ms since epoch; absent: at once. */
  startsAt?: number;
}

/** The checks a new request must pass against its policy: 400 naming what is wrong. Returns the cleaned reason and ticket. */
export function checkRequestAgainstPolicy(
  policy: ApprovalPolicy,
  ask: RequestAsk,
  now: number,
  roleLabel: string,
): { reason?: string; ticket?: string } {
  const { durationSeconds } = ask;
  if (!Number.isSafeInteger(durationSeconds) || durationSeconds < MIN_GRANT_SECONDS)
    throw new RolegateError('invalid_request', {
      detail: `duration must be at least ${formatDuration(MIN_GRANT_SECONDS)} (${String(MIN_GRANT_SECONDS)} s, the shortest AWS session)`,
      extras: { reason: 'invalid_duration', minGrantSeconds: MIN_GRANT_SECONDS },
    });
  if (durationSeconds > policy.maxGrantSeconds)
    throw new RolegateError('invalid_request', {
      detail: `duration ${formatDuration(durationSeconds)} is above the maximum grant of ${formatDuration(policy.maxGrantSeconds)} (${String(policy.maxGrantSeconds)} s) for ${roleLabel}`,
      extras: {
        reason: 'duration_above_max_grant',
        maxGrantSeconds: policy.maxGrantSeconds,
        maxGrant: formatDuration(policy.maxGrantSeconds),
      },
    });
  if (ask.startsAt !== undefined && (ask.startsAt < now - 60_000 || ask.startsAt > now + MAX_START_DELAY_SECONDS * 1000))
    throw new RolegateError('invalid_request', {
      detail: `startsAt must be from now to ${formatDuration(MAX_START_DELAY_SECONDS)} ahead`,
      extras: { reason: 'invalid_start' },
    });
  const reason = ask.reason?.trim() ?? '';
  if (reason !== '' || policy.reasonRequired) {
    const length = Array.from(reason).length;
    // Printable text only: it is audited, logged and shown to approvers.
    if (length < REASON_MIN || length > REASON_MAX || /[\p{Cc}\p{Cf}]/u.test(reason))
      throw new RolegateError('invalid_request', {
        detail: `${policy.reasonRequired ? `${roleLabel} needs a reason: give` : 'A reason must be'} ${String(REASON_MIN)}-${String(REASON_MAX)} printable characters`,
        extras: { reason: 'reason_required', reasonLength: { min: REASON_MIN, max: REASON_MAX } },
      });
  }
  const ticket = ask.ticket?.trim() ?? '';
  if (policy.ticketPattern !== undefined) {
    if (ticket === '' || ticket.length > TICKET_MAX || !ticketMatcher(policy.ticketPattern).test(ticket))
      throw new RolegateError('invalid_request', {
        detail: `${roleLabel} needs a ticket id matching ${policy.ticketPattern}${ticket === '' ? '' : `; "${ticket.slice(0, TICKET_MAX)}" does not`}`,
        extras: { reason: 'ticket_invalid', ticketPattern: policy.ticketPattern },
      });
  } else if (ticket.length > TICKET_MAX || /[\p{Cc}\p{Cf}]/u.test(ticket)) {
    throw new RolegateError('invalid_request', { detail: `A ticket id has at most ${String(TICKET_MAX)} printable characters` });
  }
  return { ...(reason === '' ? {} : { reason }), ...(ticket === '' ? {} : { ticket }) };
}

/** Whether someone with these groups may decide requests under this policy (not their own: see checkApprover). */
export function isApprover(policy: ApprovalPolicy, groups: readonly string[]): boolean {
  return groups.some((g) => policy.approverGroups.includes(g));
}

/** Why this person may not approve or deny this request (403), or undefined. */
export function approverRefusal(
  request: AccessRequestRecord,
  policy: ApprovalPolicy,
  approver: { id: string; groups: readonly string[] },
): string | undefined {
  if (approver.id === request.principalId) return 'You cannot decide your own request: someone in an approver group must';
  if (!isApprover(policy, approver.groups))
    return `Deciding this request needs membership of ${policy.approverGroups.join(', ')}; your groups have none of them`;
  return undefined;
}

/** Whether a request under this policy by someone with these groups is approved at once. */
export function autoApproves(policy: ApprovalPolicy, groups: readonly string[]): boolean {
  return groups.some((g) => policy.autoApproveGroups.includes(g));
}

/** An approval policy as the access file writes it (access-document.ts). */
export interface ApprovalEntry {
  approverGroups: string[];
  approvals: 1 | 2;
  maxGrant: string;
  reasonRequired: boolean;
  ticketPattern?: string;
  autoApproveGroups: string[];
  /** How recent an approver's MFA sign-in must be (`1h` when absent). */
  approverMfaMaxAge?: string;
}

/** How recent an approver's MFA sign-in must be when the policy does not say. */
export const DEFAULT_APPROVER_MFA_MAX_AGE_SECONDS = 3600;
/** The bounds of `approverMfaMaxAge` (and a mapping's `mfaMaxAgeSeconds`). */
export const MIN_MFA_MAX_AGE_SECONDS = 60;
export const MAX_MFA_MAX_AGE_SECONDS = 86_400;

/**
 * The domain's policy from its stored form, or undefined when the stored form
 * is broken (written by hand): the mapping then entitles nobody and cannot be
 * requested — fail closed.
 */
export function approvalPolicyOf(entry: unknown): ApprovalPolicy | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Partial<Record<keyof ApprovalEntry, unknown>>;
  const strings = (value: unknown) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined);
  const approverGroups = strings(e.approverGroups);
  const autoApproveGroups = strings(e.autoApproveGroups ?? []);
  const maxGrantSeconds = typeof e.maxGrant === 'string' ? parseDurationText(e.maxGrant) : undefined;
  const approvals = e.approvals ?? 1;
  const approverMfaMaxAgeSeconds =
    e.approverMfaMaxAge === undefined
      ? DEFAULT_APPROVER_MFA_MAX_AGE_SECONDS
      : typeof e.approverMfaMaxAge === 'string'
        ? parseDurationText(e.approverMfaMaxAge)
        : undefined;
  if (
    approverMfaMaxAgeSeconds === undefined ||
    approverMfaMaxAgeSeconds < MIN_MFA_MAX_AGE_SECONDS ||
    approverMfaMaxAgeSeconds > MAX_MFA_MAX_AGE_SECONDS
  )
    return undefined;
  if (approverGroups === undefined || approverGroups.length === 0 || autoApproveGroups === undefined) return undefined;
  if (maxGrantSeconds === undefined || maxGrantSeconds < MIN_GRANT_SECONDS || (approvals !== 1 && approvals !== 2)) return undefined;
  if (e.ticketPattern !== undefined && (typeof e.ticketPattern !== 'string' || ticketPatternProblem(e.ticketPattern) !== undefined))
    return undefined;
  return {
    approverGroups,
    approvalsNeeded: approvals,
    maxGrantSeconds,
    reasonRequired: e.reasonRequired !== false,
    ...(typeof e.ticketPattern === 'string' ? { ticketPattern: e.ticketPattern } : {}),
    autoApproveGroups,
    approverMfaMaxAgeSeconds,
  };
}

/** Where a browser goes to sign in again, strongly, before coming back to `returnTo` (a validated local path). */
export function stepUpUrl(returnTo: string): string {
  return `/login/step-up?returnTo=${encodeURIComponent(returnTo)}`;
}

/**
 * Why this sign-in is not strong or recent enough for an action that needs
 * a second factor no older than `maxAgeSeconds`, or undefined when it is.
 */
export function stepUpReason(
  authn: { mfa: boolean; authenticatedAt: number },
  maxAgeSeconds: number,
  now: number,
): 'mfa_required' | 'mfa_stale' | undefined {
  if (!authn.mfa) return 'mfa_required';
  if (now - authn.authenticatedAt > maxAgeSeconds * 1000) return 'mfa_stale';
  return undefined;
}

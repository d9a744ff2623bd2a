import { RolegateError } from './errors.js';

/**
 * STS session lengths (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html, DurationSeconds; role chaining: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html):
 * 900 s minimum, 3600 s default, at most the role's MaxSessionDuration (≤ 12 h),
 * and at most 1 h for role chaining.
 */
export const AWS_MIN_SESSION_SECONDS = 900;
export const AWS_MAX_SESSION_SECONDS = 43_200;
export const DEFAULT_SESSION_SECONDS = 3600;
export const CHAINED_MAX_SESSION_SECONDS = 3600;

export interface DurationLimits {
  /** The role's MaxSessionDuration (3600–43200). */
  roleMaxSeconds: number;
  /** The entitlement's cap (the most generous passing mapping), when one is set. */
  mappingMaxSeconds?: number;
  /** Role chaining (AssumeRole with role credentials): AWS refuses more than 1 h. */
  chained?: boolean;
  /** Used when nothing is requested; default 3600. */
  defaultSeconds?: number;
  /** What is left of the just-in-time grant the role is used under: credentials never outlive it. */
  grantSeconds?: number;
}

/** Which limit decided the effective duration. */
export type DurationLimit = 'requested' | 'default' | 'mapping' | 'role' | 'chained' | 'grant';

export interface DurationDecision {
  seconds: number;
  limitedBy: DurationLimit;
  /** The largest duration these limits allow. */
  maxSeconds: number;
  /** Set when the request was shortened: says by what, for the response and the audit. */
  clampedFrom?: number;
  reason: string;
}

/**
 * The effective session length for a request.
 *
 * Decisions: a request above the effective maximum is shortened (the user
 * cannot know every mapping's cap; the answer states the effective expiry and
 * why). A request that no role could ever satisfy — not an integer, below the
 * AWS minimum of 900 s or above the AWS maximum of 43 200 s — is an
 * `invalid_request` error rather than silently "fixed". Limits that leave less
 * than 900 s (a misconfigured mapping) are a server-side error: AWS cannot issue
 * a shorter session, and lengthening it would break the mapping's promise.
 */
export function clampDuration(requested: number | undefined, limits: DurationLimits): DurationDecision {
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested)) {
      throw new RolegateError('invalid_request', { detail: `durationSeconds must be a whole number of seconds, got ${String(requested)}` });
    }
    if (requested < AWS_MIN_SESSION_SECONDS || requested > AWS_MAX_SESSION_SECONDS) {
      throw new RolegateError('invalid_request', {
        detail: `durationSeconds must be from ${String(AWS_MIN_SESSION_SECONDS)} to ${String(AWS_MAX_SESSION_SECONDS)} (AWS limits), got ${String(requested)}`,
      });
    }
  }
  const caps: { limit: DurationLimit; seconds: number }[] = [
    { limit: 'role', seconds: Math.min(limits.roleMaxSeconds, AWS_MAX_SESSION_SECONDS) },
  ];
  if (limits.mappingMaxSeconds !== undefined) caps.push({ limit: 'mapping', seconds: limits.mappingMaxSeconds });
  if (limits.chained === true) caps.push({ limit: 'chained', seconds: CHAINED_MAX_SESSION_SECONDS });
  if (limits.grantSeconds !== undefined) caps.push({ limit: 'grant', seconds: limits.grantSeconds });
  // On a tie the more specific limit explains the answer: grant over chained over mapping over role.
  const cap = caps.reduce((best, candidate) => (candidate.seconds <= best.seconds ? candidate : best));
  if (!Number.isSafeInteger(cap.seconds) || cap.seconds < AWS_MIN_SESSION_SECONDS) {
    throw new RolegateError('server_error', {
      detail: `the ${cap.limit} limit of ${String(cap.seconds)} s is below the AWS minimum of ${String(AWS_MIN_SESSION_SECONDS)} s: fix the configuration`,
    });
  }
  const explain = EXPLANATIONS[cap.limit];
  if (requested === undefined) {
    const wanted = limits.defaultSeconds ?? DEFAULT_SESSION_SECONDS;
    if (wanted <= cap.seconds)
      return { seconds: wanted, limitedBy: 'default', maxSeconds: cap.seconds, reason: `the default of ${String(wanted)} s` };
    return {
      seconds: cap.seconds,
      limitedBy: cap.limit,
      maxSeconds: cap.seconds,
      reason: `the default, capped by ${explain(cap.seconds)}`,
    };
  }
  if (requested <= cap.seconds) return { seconds: requested, limitedBy: 'requested', maxSeconds: cap.seconds, reason: 'as requested' };
  return {
    seconds: cap.seconds,
    limitedBy: cap.limit,
    maxSeconds: cap.seconds,
    clampedFrom: requested,
    reason: `shortened from ${String(requested)} s to ${explain(cap.seconds)}`,
  };
}

const EXPLANATIONS: Record<DurationLimit, (seconds: number) => string> = {
  requested: (s) => `${String(s)} s`,
  default: (s) => `${String(s)} s`,
  role: (s) => `the role's maximum session duration of ${String(s)} s`,
  mapping: (s) => `the maximum of ${String(s)} s set by your group mapping`,
  chained: (s) => `${String(s)} s because AWS limits role chaining to one hour`,
  grant: (s) => `${String(s)} s, the time left of your access grant (credentials never outlive it)`,
};

/**
 * The IAM policy that cuts off sessions AWS already issued (temporary
 * credentials cannot be recalled): attach it to the affected roles as an
 * inline policy. `aws:TokenIssueTime` is the issue time of the session's
 * token; `aws:SourceIdentity` is what rolegate set at AssumeRole* and persists
 * through role chaining (IAM user guide, "Revoking IAM role temporary security
 * credentials" and "aws:SourceIdentity").
 */
export interface DenyPolicy {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Deny';
    Action: '*';
    Resource: '*';
    Condition: Record<string, Record<string, string | string[]>>;
  }[];
}

/** The cut-off as IAM dates it: whole seconds, rounded up so tokens issued in this very second are covered. */
export function cutoffOf(nowMs: number): string {
  return new Date(Math.ceil(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Denies everything to sessions of this user (by SourceIdentity) issued before the cut-off. */
export function denyUserPolicy(sourceIdentity: string, cutoff: string): DenyPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RolegateRevokeUser',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceIdentity': sourceIdentity }, DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  };
}

/** Denies everything to every session of the role issued before the cut-off. */
export function denyRolePolicy(cutoff: string): DenyPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'RolegateRevokeRole',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  };
}

/** The one inline policy rolegate owns on each affected role (merging every revocation still in its window). */
export const REVOCATION_POLICY_NAME = 'rolegate-revocations';

/**
 * IAM's limit on all inline policies of a role together: "Role policy size cannot exceed
 * 10,240 characters" (white space not counted).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;

/** One revocation of one role still to be enforced in AWS. */
export interface RevocationEntry {
  /** Which revocation (its cut-off and subject make it unique enough to merge duplicates). */
  cutoff: string;
  /** Set for a user revocation (the SourceIdentity rolegate sets); absent: every session of the role. */
  sourceIdentity?: string;
  /** When every session it targets has expired: the revocation time plus the role's maximum session. */
  expiresAt: string;
}

export interface MergedPolicy {
  policy: DenyPolicy;
  /** True when the precise policy would not fit and every session issued before the latest cut-off is denied instead. */
  broadened: boolean;
  /** The size IAM counts (no white space). */
  size: number;
}

/**
 * Merges the revocations of one role into one Deny policy: a role-wide revocation
 * denies every session before the latest role-wide cut-off (subsuming earlier
 * user revocations before it); user revocations are grouped per cut-off into
 * one statement naming their SourceIdentities. When that would pass `limit`,
 * the policy broadens to one Deny on aws:TokenIssueTime before the latest
 * cut-off of all: it still covers every revoked session, and also the other
 * sessions issued before then (the admin API says so).
 */
export function mergedRevocationPolicy(entries: readonly RevocationEntry[], limit = ROLE_INLINE_POLICY_LIMIT): MergedPolicy {
  if (entries.length === 0) throw new Error('no revocation to merge');
  const roleCutoff = latest(entries.filter((e) => e.sourceIdentity === undefined).map((e) => e.cutoff));
  const byCutoff = new Map<string, Set<string>>();
  const userLatest = new Map<string, string>();
  for (const e of entries) {
    if (e.sourceIdentity === undefined) continue;
    const known = userLatest.get(e.sourceIdentity);
    if (known === undefined || e.cutoff > known) userLatest.set(e.sourceIdentity, e.cutoff);
  }
  for (const [identity, cutoff] of userLatest) {
    if (roleCutoff !== undefined && cutoff <= roleCutoff) continue;
    byCutoff.set(cutoff, (byCutoff.get(cutoff) ?? new Set()).add(identity));
  }
  const statements: DenyPolicy['Statement'] = [];
  if (roleCutoff !== undefined) statements.push(denyRolePolicy(roleCutoff).Statement[0] as DenyPolicy['Statement'][number]);
  [...byCutoff.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .forEach(([cutoff, identities], index) => {
      const names = [...identities].sort();
      statements.push({
        Sid: `RolegateRevokeUsers${String(index + 1)}`,
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceIdentity': names.length === 1 ? (names[0] ?? '') : names },
          DateLessThan: { 'aws:TokenIssueTime': cutoff },
        },
      });
    });
  const precise: DenyPolicy = { Version: '2012-10-17', Statement: statements };
  const size = JSON.stringify(precise).length;
  if (size <= limit) return { policy: precise, broadened: false, size };
  return broadRevocationPolicy(entries);
}

/** Every session of the role issued before the latest cut-off: the fallback when the precise policy does not fit. */
export function broadRevocationPolicy(entries: readonly RevocationEntry[]): MergedPolicy {
  const cutoff = latest(entries.map((e) => e.cutoff)) ?? '';
  const policy: DenyPolicy = {
    Version: '2012-10-17',
    Statement: [{ ...(denyRolePolicy(cutoff).Statement[0] as DenyPolicy['Statement'][number]), Sid: 'RolegateRevokeAllBefore' }],
  };
  return { policy, broadened: true, size: JSON.stringify(policy).length };
}

function latest(cutoffs: readonly string[]): string | undefined {
  let result: string | undefined;
  for (const c of cutoffs) if (result === undefined || c > result) result = c;
  return result;
}

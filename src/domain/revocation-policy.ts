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
    Condition: Record<string, Record<string, string>>;
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

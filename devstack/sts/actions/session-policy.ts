import { parsePolicyDocument, PolicySyntaxError, type PolicyDocument } from '../policy/policy-document.js';
import type { QueryParams } from '../protocol/query-params.js';
import { StsError } from '../protocol/sts-error.js';

/** The session policies of one AssumeRole* call, as the issued session keeps them. */
export interface SessionPolicies {
  /** The inline `Policy`, as sent. */
  policy?: string;
  /** `PolicyArns`, in order. */
  policyArns: string[];
}

/** Reads `Policy` (1-2048 characters) and `PolicyArns` (at most 10); problems join the call's ValidationError. */
export function readSessionPolicies(params: QueryParams): SessionPolicies {
  const policy = params.string('Policy', 'policy', { min: 1, max: 2048 });
  const policyArns = params.policyArns('PolicyArns');
  return { ...(policy === undefined ? {} : { policy }), policyArns };
}

const MANAGED_POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/([\x21-\x7e]+\/)*[\w+=,.@-]{1,128}$/;

/**
 * Validates the session policies once the caller is authorized: the inline
 * policy's grammar (MalformedPolicyDocument) and each ARN's shape. Returns the
 * parsed inline policy: the session keeps it, and the identity-policy
 * evaluation (devstack/iam/identity-policy.ts) applies it. Managed policy ARNs
 * are kept as sent (the devstack models no managed policies).
 */
export function checkSessionPolicies({ policy, policyArns }: SessionPolicies, rolePartition: string): PolicyDocument | undefined {
  for (const arn of policyArns) {
    if (!MANAGED_POLICY_ARN.test(arn)) throw new StsError('InvalidParameterValue', `${arn} is not a valid managed policy ARN`);
    if (arn.split(':')[1] !== rolePartition)
      throw new StsError('InvalidParameterValue', `The policy ${arn} is not in the partition of the role (${rolePartition})`);
  }
  if (policy === undefined) return undefined;
  try {
    return parsePolicyDocument(policy, { requirePrincipal: false });
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new StsError('MalformedPolicyDocument', error.message);
    throw error;
  }
}

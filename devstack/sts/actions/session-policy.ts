import { parsePolicyDocument, PolicySyntaxError } from '../policy/policy-document.js';
import { StsError } from '../protocol/sts-error.js';

/**
 * Validates an inline session policy (`Policy`). The devstack does not evaluate
 * permissions of the session, so a valid policy is only checked, not applied.
 */
export function checkSessionPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  try {
    parsePolicyDocument(policy, { requirePrincipal: false });
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new StsError('MalformedPolicyDocument', error.message);
    throw error;
  }
}

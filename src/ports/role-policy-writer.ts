import type { AwsAccount } from '../domain/access-model.js';

/** Why IAM refused a write: `limit_exceeded` (the role's inline policies would pass IAM's size limit) or anything else. */
export class RolePolicyWriteError extends Error {
  constructor(
    readonly kind: 'limit_exceeded' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'RolePolicyWriteError';
  }
}

/**
 * Writes rolegate's inline policy on a role, through the account's revoker role
 * (assumed with rolegate's own AWS identity and the account's ExternalId).
 * Failures are RolePolicyWriteError naming AWS's error code.
 */
export interface RolePolicyWriter {
  put(account: AwsAccount, roleArn: string, policyName: string, document: string): Promise<void>;
  /** Deleting a policy that is not there succeeds (the goal is reached). */
  delete(account: AwsAccount, roleArn: string, policyName: string): Promise<void>;
}

import type { RevocationEntry } from '../domain/revocation-policy.js';

/** pending → attached → removed, or failed (retried until the last attempt). */
export type RevocationJobState = 'pending' | 'attached' | 'removed' | 'failed';

/** One affected role's revocation policy in AWS: docs/admin.md#revocation-that-reaches-aws. */
export interface RevocationJob {
  id: string;
  accountId: string;
  roleArn: string;
  /** The revocations still in their window, merged into the role's one rolegate policy. */
  entries: RevocationEntry[];
  state: RevocationJobState;
  attempts: number;
  revision: number;
  /** When a worker acts next (attach/retry, or prune/remove); undefined: nothing due. */
  nextAttemptAt?: Date;
  lastError?: string;
  /** The precise policy would not fit IAM's size limit: a broader Deny is attached. */
  broadened: boolean;
  attachedAt?: Date;
  removedAt?: Date;
}

/**
 * The durable revocation jobs (PostgreSQL), one per role. A claim gives a job
 * to one worker for a lease (FOR UPDATE SKIP LOCKED: any number of instances);
 * a result is recorded only by the lease's owner and only for the revision it
 * claimed, so a revocation arriving meanwhile is never lost. Times are the
 * application's clock, passed in (tests move it past a revocation's window).
 */
export interface RevocationJobStore {
  /** Adds a revocation to each role's job (creating it, or reopening a removed one), due now. */
  enqueue(items: readonly { accountId: string; roleArn: string; entry: RevocationEntry }[], now: number): Promise<void>;
  claim(owner: string, limit: number, leaseMs: number, now: number): Promise<RevocationJob[]>;
  /** The policy is in place for `entries`; the worker comes back at `nextAttemptAt` to prune it. False: the job changed meanwhile. */
  attached(
    job: RevocationJob,
    owner: string,
    result: { entries: RevocationEntry[]; broadened: boolean; nextAttemptAt: number },
    now: number,
  ): Promise<boolean>;
  /** Every targeted session has expired and the policy is gone. */
  removed(job: RevocationJob, owner: string, now: number): Promise<boolean>;
  /** An attempt failed: due again at `retryAt`, or never (the last attempt). */
  failed(job: RevocationJob, owner: string, error: string, retryAt: number | undefined, now: number): Promise<void>;
  list(filter?: { roleArn?: string; accountId?: string }): Promise<RevocationJob[]>;
  counts(): Promise<Record<RevocationJobState, number>>;
}

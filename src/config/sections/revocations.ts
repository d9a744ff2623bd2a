import { z } from 'zod';
import { integer } from '../fields.js';

/**
 * The revocation worker (docs/admin.md#revocation-that-reaches-aws): how often it
 * looks for jobs, how long a claim lasts, how each IAM call is bounded and how
 * failed jobs are retried.
 */
export const revocations = z
  .strictObject({
    maxAttempts: integer(1, 100)
      .default(8)
      .meta({
        env: ['ROLEGATE_REVOCATION_MAX_ATTEMPTS'],
        description:
          'Attempts per revocation job (AssumeRole into the revoker, then the IAM write); after the last one fails the job stays `failed` with no next attempt (audited as revocation.policy.gave_up) until a new revocation of the role reopens it.',
      }),
    backoffBaseMs: integer(100, 3_600_000)
      .default(2000)
      .meta({
        env: ['ROLEGATE_REVOCATION_BACKOFF_BASE_MS'],
        description:
          'Back-off after the first failed attempt of a job; it doubles with each further failure (full jitter: a random wait from 0 to that, at least 1 second).',
      }),
    backoffMaxMs: integer(100, 86_400_000)
      .default(300_000)
      .meta({
        env: ['ROLEGATE_REVOCATION_BACKOFF_MAX_MS'],
        description: 'The longest back-off between two attempts of a job; at least revocations.backoffBaseMs.',
      }),
    pollIntervalMs: integer(50, 60_000)
      .default(1000)
      .meta({
        env: ['ROLEGATE_REVOCATION_POLL_MS'],
        description: 'How often each instance looks for revocation jobs due (every instance works on jobs; each job goes to one at a time).',
      }),
    batchSize: integer(1, 1000)
      .default(10)
      .meta({
        env: ['ROLEGATE_REVOCATION_BATCH_SIZE'],
        description: 'Jobs one instance claims and works on together (each in a different role); a full batch is followed by the next at once.',
      }),
    leaseMs: integer(5000, 3_600_000)
      .default(60_000)
      .meta({
        env: ['ROLEGATE_REVOCATION_LEASE_MS'],
        description:
          'How long a claimed job belongs to its instance; an instance that dies mid-job frees it after this. Must be longer than one job can take: sts.retryBudgetMs for the AssumeRole plus two IAM writes of revocations.iamAttempts × revocations.iamTimeoutMs each.',
      }),
    iamTimeoutMs: integer(100, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_REVOCATION_IAM_TIMEOUT_MS'],
        description:
          'How long one IAM request may take, from connecting to the end of the answer; a stalled connection counts as a failed attempt after this.',
      }),
    iamAttempts: integer(1, 10)
      .default(3)
      .meta({
        env: ['ROLEGATE_REVOCATION_IAM_ATTEMPTS'],
        description:
          "Attempts the AWS SDK makes for one IAM call before the job's attempt fails (its standard retry mode: throttling, 5xx and timeouts, with its own short jittered back-off).",
      }),
  })
  .prefault({});

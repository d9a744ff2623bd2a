import type { AwsAccount } from '../../domain/access-model.js';
import { backoffMs } from '../../domain/notifications.js';
import {
  broadRevocationPolicy,
  mergedRevocationPolicy,
  REVOCATION_POLICY_NAME,
  type MergedPolicy,
} from '../../domain/revocation-policy.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { RevocationJob, RevocationJobStore } from '../../ports/revocation-jobs.js';
import { RolePolicyWriteError, type RolePolicyWriter } from '../../ports/role-policy-writer.js';
import { PollingLoop } from '../../support/polling-loop.js';

export interface RevocationWorkerSettings {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  pollIntervalMs: number;
  /** Longer than one job can take (AssumeRole + one IAM write, each bounded by the SDK's retries). */
  leaseMs: number;
  batchSize: number;
}

/** What the metrics hear of each step. */
export interface RevocationObserver {
  step(outcome: 'attached' | 'broadened' | 'removed' | 'failed' | 'gave_up'): void;
}

export interface RevocationWorkerDeps {
  store: RevocationJobStore;
  writer: RolePolicyWriter;
  /** The account as the access model has it now (its revoker may have been added or removed since). */
  accountOf(accountId: string): Promise<AwsAccount | undefined>;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  observer: RevocationObserver;
  settings: RevocationWorkerSettings;
  /** This instance's lease owner name. */
  owner: string;
  random?: () => number;
}

/**
 * Brings each role's rolegate policy in line with its job: attaches the merged
 * Deny of every revocation still in its window (broadened when it would not
 * fit), comes back when the earliest window ends to prune it, and deletes it
 * once every targeted session has expired. Failures are retried with back-off
 * and shown on the job; one failing account blocks no other job. Runs on every
 * instance; the claim gives each job to one of them.
 */
export class RevocationWorker {
  readonly #loop: PollingLoop;

  constructor(private readonly deps: RevocationWorkerDeps) {
    this.#loop = new PollingLoop(
      async () => ({ moreDue: (await this.runOnce()) >= deps.settings.batchSize }),
      deps.settings.pollIntervalMs,
      (error) => deps.logger.warn({ reason: (error as Error).message }, 'cannot work on revocation jobs now; retrying'),
    );
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One batch: claims the due jobs and works on each. Returns how many were claimed. */
  async runOnce(): Promise<number> {
    const { store, settings, owner, clock } = this.deps;
    const jobs = await store.claim(owner, settings.batchSize, settings.leaseMs, clock.now());
    await Promise.all(jobs.map((job) => this.#work(job)));
    return jobs.length;
  }

  async #work(job: RevocationJob): Promise<void> {
    const { store, writer, clock, owner } = this.deps;
    const now = clock.now();
    const remaining = job.entries.filter((e) => Date.parse(e.expiresAt) > now);
    try {
      const account = await this.deps.accountOf(job.accountId);
      if (!account?.revoker) throw new RolePolicyWriteError('refused', `account ${job.accountId} has no revoker role configured`);
      if (remaining.length === 0) {
        await writer.delete(account, job.roleArn, REVOCATION_POLICY_NAME);
        if (await store.removed(job, owner, now)) await this.#step(job, 'removed', {});
        return;
      }
      let merged: MergedPolicy = mergedRevocationPolicy(remaining);
      try {
        await writer.put(account, job.roleArn, REVOCATION_POLICY_NAME, JSON.stringify(merged.policy));
      } catch (error) {
        // The role's other inline policies leave too little room: the broad Deny is one short statement.
        if (!(error instanceof RolePolicyWriteError && error.kind === 'limit_exceeded') || merged.broadened) throw error;
        merged = broadRevocationPolicy(remaining);
        await writer.put(account, job.roleArn, REVOCATION_POLICY_NAME, JSON.stringify(merged.policy));
      }
      const nextAttemptAt = Math.min(...remaining.map((e) => Date.parse(e.expiresAt)));
      if (await store.attached(job, owner, { entries: remaining, broadened: merged.broadened, nextAttemptAt }, now))
        await this.#step(job, merged.broadened ? 'broadened' : 'attached', {
          policyName: REVOCATION_POLICY_NAME,
          size: merged.size,
          broadened: merged.broadened,
          removeAfter: new Date(Math.max(...remaining.map((e) => Date.parse(e.expiresAt)))).toISOString(),
        });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const last = job.attempts >= this.deps.settings.maxAttempts;
      const { backoffBaseMs, backoffMaxMs } = this.deps.settings;
      const retryAt = last
        ? undefined
        : now + Math.max(backoffMs(job.attempts, backoffBaseMs, backoffMaxMs, (this.deps.random ?? Math.random)()), 1000);
      await store.failed(job, owner, reason, retryAt, now);
      await this.#step(job, last ? 'gave_up' : 'failed', {
        reason,
        attempt: job.attempts,
        ...(retryAt ? { retryAt: new Date(retryAt).toISOString() } : {}),
      });
    }
  }

  async #step(job: RevocationJob, outcome: Parameters<RevocationObserver['step']>[0], details: Record<string, unknown>): Promise<void> {
    this.deps.observer.step(outcome);
    const failed = outcome === 'failed' || outcome === 'gave_up';
    const about = { roleArn: job.roleArn, accountId: job.accountId, jobId: job.id, ...details };
    if (failed) this.deps.logger.warn(about, `revocation policy not written (${outcome})`);
    else this.deps.logger.info(about, `revocation policy ${outcome}`);
    await this.deps.audit
      .record({
        type: `revocation.policy.${outcome}`,
        outcome: failed ? 'error' : 'success',
        ...(failed && typeof details.reason === 'string' ? { reason: details.reason } : {}),
        accountId: job.accountId,
        roleArn: job.roleArn,
        details: { jobId: job.id, revocations: job.entries.length, ...details },
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, jobId: job.id }, 'could not audit a revocation step'));
  }
}

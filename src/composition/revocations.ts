import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { AwsSdkRolePolicyWriter, iamEndpointForPartition } from '../adapters/aws-iam/aws-sdk-role-policy-writer.js';
import { PgRevocationJobStore } from '../adapters/db/pg-revocation-jobs.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import { RevocationWorker } from '../features/revocations/revocation-worker.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/**
 * Revocation that reaches AWS (docs/admin.md#revocation-that-reaches-aws): the
 * job store and this instance's worker, started here and stopped on close. The
 * worker only acts on jobs, and jobs exist only for accounts with a revoker.
 */
export function buildRevocations(platform: Platform, steps: StartupSteps, credentials: CredentialsDeps): { jobs: PgRevocationJobStore } {
  const { config, logger, clock, audit, metrics } = platform;
  const jobs = new PgRevocationJobStore(platform.database.prisma);
  const { iamEndpoint } = config.sts;
  const worker = new RevocationWorker({
    store: jobs,
    writer: new AwsSdkRolePolicyWriter({
      sts: credentials.exchange.sts,
      stsEndpointFor: (account) => credentials.exchange.endpointFor(account),
      iamEndpointFor: (account) => (iamEndpoint ? { url: iamEndpoint, region: 'us-east-1' } : iamEndpointForPartition(account.partition)),
      iamAttempts: config.revocations.iamAttempts,
      iamTimeoutMs: config.revocations.iamTimeoutMs,
    }),
    accountOf: async (accountId) => (await credentials.accessModel.index()).accountById.get(accountId),
    audit,
    clock,
    logger,
    observer: { step: (outcome) => metrics.revocationSteps.inc({ outcome }) },
    settings: {
      maxAttempts: config.revocations.maxAttempts,
      backoffBaseMs: config.revocations.backoffBaseMs,
      backoffMaxMs: config.revocations.backoffMaxMs,
      pollIntervalMs: config.revocations.pollIntervalMs,
      leaseMs: config.revocations.leaseMs,
      batchSize: config.revocations.batchSize,
    },
    owner: `${hostname()}:${String(process.pid)}:${randomUUID().slice(0, 8)}`,
  });
  worker.start();
  steps.onClose('the revocation worker', () => worker.stop());
  return { jobs };
}

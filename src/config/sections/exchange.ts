import { z } from 'zod';
import { boolean, integer, nonEmptyString, oneOf, url } from '../fields.js';

/** How rolegate reaches AWS STS, and with which credentials of its own (assume-role mode). */
export const sts = z
  .strictObject({
    endpoint: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_STS_ENDPOINT'],
        description:
          "One STS endpoint for every account (a VPC endpoint, or the local devstack STS). Default: each account's own stsEndpoint, else the regional STS endpoint of the account's region and partition. Must be https:// in production mode (a loopback sidecar: see allowInsecureLoopback).",
      }),
    iamEndpoint: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_IAM_ENDPOINT'],
        description:
          "One IAM endpoint for every account's revoker (the local devstack's, which is its STS URL). Default: IAM's global endpoint of the account's partition. Must be https:// in production mode (a loopback sidecar: see allowInsecureLoopback).",
      }),
    endpointScope: oneOf(['regional', 'global'])
      .default('regional')
      .meta({
        env: ['ROLEGATE_STS_ENDPOINT_SCOPE'],
        description:
          'Without an explicit endpoint: regional STS endpoints (separate throttling buckets, lower latency, AWS recommendation) or the global one in us-east-1.',
      }),
    retryBudgetMs: integer(500, 60_000)
      .default(8000)
      .meta({
        env: ['ROLEGATE_STS_RETRY_BUDGET_MS'],
        description: 'How long one STS call may take including jittered retries of throttling and 5xx; then 503 with Retry-After.',
      }),
    accessKeyId: nonEmptyString('an AWS access key id')
      .optional()
      .meta({
        env: ['ROLEGATE_AWS_ACCESS_KEY_ID'],
        description:
          "rolegate's own AWS credentials for assume-role mode. Default: the AWS SDK's default provider chain (instance profile, ECS task role, IRSA, environment).",
      }),
    secretAccessKey: nonEmptyString('an AWS secret access key')
      .optional()
      .meta({ env: ['ROLEGATE_AWS_SECRET_ACCESS_KEY'], secret: true, description: 'Secret of sts.accessKeyId.' }),
    callerIsRole: boolean()
      .default(true)
      .meta({
        env: ['ROLEGATE_AWS_CALLER_IS_ROLE'],
        description:
          "Whether rolegate's own AWS credentials are role credentials (ECS task role, IRSA): then assume-role sessions are role chaining and AWS caps them at 1 hour. Set false for IAM user keys or an EC2 instance profile (exempt from the cap).",
      }),
  })
  .prefault({});

/** The credential cache and its refresh rule. */
export const credentials = z
  .strictObject({
    refreshMarginSeconds: integer(300, 3600)
      .default(1200)
      .meta({
        env: ['ROLEGATE_REFRESH_MARGIN_SECONDS'],
        description:
          'Cached credentials are served only while they have more than this left, so every answer carries comfortably more than the 15 minutes botocore needs to stop re-running credential_process before each call (botocore credentials.py, _DEFAULT_ADVISORY_REFRESH_TIMEOUT; https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html). Sessions shorter than twice the margin are cached for half their life.',
      }),
    accessModelRefreshSeconds: integer(1, 3600)
      .default(30)
      .meta({
        env: ['ROLEGATE_ACCESS_MODEL_REFRESH_SECONDS'],
        description:
          'How often each instance reloads accounts, roles and mappings from PostgreSQL. Admin changes also reach every instance at once through Redis pub/sub; this bounds staleness if a message is lost.',
      }),
    lockTtlMs: integer(1000, 120_000)
      .default(15_000)
      .meta({
        env: ['ROLEGATE_EXCHANGE_LOCK_TTL_MS'],
        description:
          'How long one instance may hold the lock of a (user, role) exchange; the others wait for its result. Longer than sts.retryBudgetMs.',
      }),
  })
  .prefault({});

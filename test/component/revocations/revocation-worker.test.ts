import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsSdkRolePolicyWriter } from '../../../src/adapters/aws-iam/aws-sdk-role-policy-writer.js';
import { AwsSdkStsGateway } from '../../../src/adapters/aws-sts/aws-sdk-sts-gateway.js';
import { connectDatabase, type Database } from '../../../src/adapters/db/database.js';
import { PgRevocationJobStore } from '../../../src/adapters/db/pg-revocation-jobs.js';
import type { AwsAccount } from '../../../src/domain/access-model.js';
import { cutoffOf, REVOCATION_POLICY_NAME, type RevocationEntry } from '../../../src/domain/revocation-policy.js';
import type { AuditEvent } from '../../../src/ports/audit-log.js';
import { RevocationWorker, type RevocationObserver } from '../../../src/features/revocations/revocation-worker.js';
import type { DevstackConfigInput } from '../../../devstack/config/devstack-config-schema.js';
import { failure, startTestSts, stsClient, type StaticCredentials } from '../../support/devstack.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

// rolegate's own AWS identity (an IAM user of the devstack) and the accounts' revoker roles.
const ROLEGATE = { accessKeyId: 'AKIATESTROLEGATE0001', secretAccessKey: 'rolegate-test-secret-0123456789' };
const A = '111111111111'; // revoker works
const B = '222222222222'; // revoker lacks permission
const C = '333333333333'; // no revoker role in IAM
const D = '444444444444'; // revoker does not trust this ExternalId
const EXTERNAL_ID = 'rolegate-revoker-test';
const arn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const trustRolegate = (externalId = EXTERNAL_ID) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:user/rolegate` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': externalId } },
    },
  ],
});
const revokerPolicy = (account: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
      Resource: `arn:aws:iam::${account}:role/*`,
    },
  ],
});
const workload = (account: string) => [
  {
    name: 'Entry',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/rolegate` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] },
      ],
    },
  },
  {
    name: 'Target',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: arn(account, 'Entry') }, Action: 'sts:AssumeRole' }],
    },
  },
];
const world: DevstackConfigInput = {
  accounts: [
    {
      id: A,
      users: [{ name: 'rolegate', accessKeys: [ROLEGATE] }],
      roles: [
        ...workload(A),
        {
          name: 'Crowded',
          trustPolicy: trustRolegate(),
          inlinePolicies: {
            // 10,000 characters of someone else's inline policy: little room is left for rolegate's.
            existing: {
              Version: '2012-10-17',
              Statement: [{ Sid: 'X'.repeat(10_000 - 84), Effect: 'Deny', Action: 'iam:none', Resource: '*' }],
            },
          },
        },
        { name: 'Revoker', trustPolicy: trustRolegate(), managedPolicies: 'none', inlinePolicies: { revoke: revokerPolicy(A) } },
      ],
    },
    { id: B, roles: [...workload(B), { name: 'Revoker', trustPolicy: trustRolegate(), managedPolicies: 'none' }] },
    { id: C, roles: workload(C) },
    {
      id: D,
      roles: [
        ...workload(D),
        {
          name: 'Revoker',
          trustPolicy: trustRolegate('another-id'),
          managedPolicies: 'none',
          inlinePolicies: { revoke: revokerPolicy(D) },
        },
      ],
    },
  ],
};
const account = (id: string): AwsAccount => ({
  id,
  alias: `acct-${id}`,
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: arn(id, 'Revoker'), externalId: EXTERNAL_ID },
});

let sts: Awaited<ReturnType<typeof startTestSts>>;
let testDb: TestDatabase;
let database: Database;
let store: PgRevocationJobStore;
const audit: AuditEvent[] = [];
const steps: string[] = [];
// The worker's clock runs ahead of the devstack's by `windowsPassed`: the devstack's own clock only
// moves by seconds (SigV4 allows 15 minutes of skew against the SDK's real clock).
let windowsPassed = 0;
const clock = { now: () => sts.clock.now().getTime() + windowsPassed };
const devstackNow = () => sts.clock.now().getTime();

beforeAll(async () => {
  sts = await startTestSts(world);
  testDb = await createTestDatabase();
  database = await connectDatabase({ url: testDb.url, poolSize: 4, connectTimeoutMs: 5000, logger: captureLogs().logger });
  store = new PgRevocationJobStore(database.prisma);
});
afterAll(async () => {
  await database.close();
  await testDb.drop();
  await sts.close();
});
beforeEach(async () => {
  await database.prisma.$executeRawUnsafe('DELETE FROM revocation_jobs');
  audit.length = 0;
  steps.length = 0;
});

function worker(owner = 'instance-1', maxAttempts = 3): RevocationWorker {
  const logs = captureLogs();
  const gateway = new AwsSdkStsGateway({ logger: logs.logger, credentials: ROLEGATE, retryBudgetMs: 2000 });
  const observer: RevocationObserver = { step: (outcome) => steps.push(outcome) };
  return new RevocationWorker({
    store,
    writer: new AwsSdkRolePolicyWriter({
      sts: gateway,
      stsEndpointFor: () => ({ region: 'us-east-1', url: sts.url }),
      iamEndpointFor: () => ({ region: 'us-east-1', url: sts.url }),
    }),
    accountOf: (id) => Promise.resolve(account(id)),
    audit: {
      record: (event) => Promise.resolve(void audit.push(event)),
      recordAll: (events) => events.map((event) => Promise.resolve(void audit.push(event))),
    },
    clock,
    logger: logs.logger,
    observer,
    settings: { maxAttempts, backoffBaseMs: 1000, backoffMaxMs: 60_000, pollIntervalMs: 50, leaseMs: 30_000, batchSize: 10 },
    owner,
    random: () => 0.5,
  });
}

const ADMIN_OF = (accountId: string) => accountId; // the revoker session reads policies back in its own account
async function rolegatePolicy(accountId: string, role: string): Promise<unknown> {
  const revoker = await sessionOf(arn(ADMIN_OF(accountId), 'Revoker'), stsClient(sts.url, ROLEGATE), { ExternalId: EXTERNAL_ID });
  const iam = new IAMClient({ endpoint: sts.url, region: 'us-east-1', maxAttempts: 1, credentials: { ...revoker } });
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: REVOCATION_POLICY_NAME }));
  return JSON.parse(decodeURIComponent(got.PolicyDocument ?? ''));
}
async function sessionOf(
  roleArn: string,
  client = stsClient(sts.url, ROLEGATE),
  extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {},
): Promise<StaticCredentials> {
  const out = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'session', ...extra }));
  return {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
}
const chain = (credentials: StaticCredentials, accountId = A) =>
  stsClient(sts.url, credentials).send(new AssumeRoleCommand({ RoleArn: arn(accountId, 'Target'), RoleSessionName: 'chained' }));
const entry = (sourceIdentity: string | undefined, windowSeconds = 3600): RevocationEntry => ({
  cutoff: cutoffOf(devstackNow()),
  ...(sourceIdentity ? { sourceIdentity } : {}),
  expiresAt: new Date(clock.now() + windowSeconds * 1000).toISOString(),
});

describe('the revocation worker against the devstack', () => {
  it('when alice and bob are revoked, then one merged Deny is attached, their old sessions cannot chain, new ones can, and it is removed after the window', async () => {
    const alice = await sessionOf(arn(A, 'Entry'), undefined, { SourceIdentity: 'alice' });
    const bob = await sessionOf(arn(A, 'Entry'), undefined, { SourceIdentity: 'bob' });
    const carol = await sessionOf(arn(A, 'Entry'), undefined, { SourceIdentity: 'carol' });
    await chain(alice);
    await store.enqueue([{ accountId: A, roleArn: arn(A, 'Entry'), entry: entry('alice') }], clock.now());
    sts.clock.advance(5000);
    await store.enqueue([{ accountId: A, roleArn: arn(A, 'Entry'), entry: entry('bob', 1800) }], clock.now());

    expect(await worker().runOnce()).toBe(1);
    const policy = (await rolegatePolicy(A, 'Entry')) as { Statement: { Condition: { StringEquals: Record<string, unknown> } }[] };
    expect(policy.Statement.map((s) => s.Condition.StringEquals['aws:SourceIdentity'])).toEqual(['alice', 'bob']);
    const [job] = await store.list();
    expect(job).toMatchObject({ state: 'attached', broadened: false, attempts: 0 });
    expect(await failure(chain(alice))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(chain(bob))).toMatchObject({ name: 'AccessDenied' });
    await chain(carol);
    sts.clock.advance(2000);
    await chain(await sessionOf(arn(A, 'Entry'), undefined, { SourceIdentity: 'alice' }));

    // Bob's window (30 minutes) ends first: the policy is pruned to alice's statement.
    windowsPassed += 1800_000;
    expect(await worker().runOnce()).toBe(1);
    expect(((await rolegatePolicy(A, 'Entry')) as { Statement: unknown[] }).Statement).toHaveLength(1);
    windowsPassed += 1800_000;
    expect(await worker().runOnce()).toBe(1);
    expect(await failure(rolegatePolicy(A, 'Entry'))).toMatchObject({ name: 'NoSuchEntityException' });
    expect((await store.list())[0]).toMatchObject({ state: 'removed', entries: [] });
    expect(steps).toEqual(['attached', 'attached', 'removed']);
    expect(audit.map((e) => e.type)).toEqual(['revocation.policy.attached', 'revocation.policy.attached', 'revocation.policy.removed']);
    expect(await worker().runOnce()).toBe(0);
  });

  it('when revokers are missing, untrusted or lack permission, then those jobs fail visibly and are retried, and the good account is not held up', async () => {
    await store.enqueue(
      [A, B, C, D].map((id) => ({ accountId: id, roleArn: arn(id, 'Entry'), entry: entry(undefined) })),
      clock.now(),
    );
    expect(await worker('w', 2).runOnce()).toBe(4);
    const jobs = new Map((await store.list()).map((j) => [j.accountId, j]));
    expect(jobs.get(A)).toMatchObject({ state: 'attached' });
    expect(jobs.get(B)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(jobs.get(B)?.lastError).toMatch(
      /AccessDenied: IAM PutRolePolicy failed: .*because no identity-based policy allows the iam:PutRolePolicy action/,
    );
    expect(jobs.get(C)?.lastError).toMatch(/cannot assume the revoker role arn:aws:iam::333333333333:role\/Revoker/);
    expect(jobs.get(D)?.lastError).toMatch(/cannot assume the revoker role/);
    expect(jobs.get(B)?.nextAttemptAt?.getTime()).toBeGreaterThan(clock.now());
    expect(
      audit
        .filter((e) => e.outcome === 'error')
        .map((e) => e.accountId)
        .sort(),
    ).toEqual([B, C, D]);

    // Not due yet: nothing is claimed. After the back-off: the second (last) attempt, then no more.
    expect(await worker('w', 2).runOnce()).toBe(0);
    windowsPassed += 5000;
    expect(await worker('w', 2).runOnce()).toBe(3);
    const after = await store.list({ accountId: B });
    expect(after[0]).toMatchObject({ state: 'failed', attempts: 2 });
    expect(after[0]?.nextAttemptAt).toBeUndefined();
    expect(steps.filter((s) => s === 'gave_up')).toHaveLength(3);
    expect(await store.counts()).toEqual({ pending: 0, attached: 1, removed: 0, failed: 3 });
  });

  it('when two instances race for the same job, then exactly one claims and attaches it', async () => {
    await store.enqueue([{ accountId: A, roleArn: arn(A, 'Target'), entry: entry('alice') }], clock.now());
    const claimed = await Promise.all([worker('instance-1').runOnce(), worker('instance-2').runOnce()]);
    expect(claimed.sort()).toEqual([0, 1]);
    expect(steps).toEqual(['attached']);
    expect((await store.list())[0]).toMatchObject({ state: 'attached' });
  });

  it("when the merged policy would pass the role's inline policy size limit, then a broader Deny on aws:TokenIssueTime is attached and the job says so", async () => {
    await store.enqueue([{ accountId: A, roleArn: arn(A, 'Crowded'), entry: entry('alice') }], clock.now());
    sts.clock.advance(3000);
    const bob = entry('bob');
    await store.enqueue([{ accountId: A, roleArn: arn(A, 'Crowded'), entry: bob }], clock.now());
    expect(await worker().runOnce()).toBe(1);
    const policy = (await rolegatePolicy(A, 'Crowded')) as { Statement: { Sid: string; Condition: Record<string, unknown> }[] };
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Sid: 'RolegateRevokeAllBefore', Condition: { DateLessThan: { 'aws:TokenIssueTime': bob.cutoff } } }),
    ]);
    expect((await store.list())[0]).toMatchObject({ state: 'attached', broadened: true });
    expect(steps).toEqual(['broadened']);
  });
});

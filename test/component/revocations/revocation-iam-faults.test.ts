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
import { RevocationWorker } from '../../../src/features/revocations/revocation-worker.js';
import type { DevstackConfigInput } from '../../../devstack/config/devstack-config-schema.js';
import type { Fault } from '../../../devstack/faults/fault-injector.js';
import { startTestSts, stsClient } from '../../support/devstack.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

// The revoker worker facing an IAM that throttles, fails with 5xx or stalls: the devstack's
// injected faults (docs/devstack.md#injected-faults), set through its admin knob over HTTP.
const ROLEGATE = { accessKeyId: 'AKIATESTROLEGATE0002', secretAccessKey: 'rolegate-test-secret-faults-0123' };
const HOME = '111111111111'; // rolegate's own account; IAM answers normally
const THROTTLED = '222222222222';
const FAILING = '333333333333';
const STALLED = '444444444444';
const EXTERNAL_ID = 'rolegate-revoker-faults';
const arn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const accountWorld = (id: string) => ({
  id,
  ...(id === HOME ? { users: [{ name: 'rolegate', accessKeys: [ROLEGATE] }] } : {}),
  roles: [
    {
      name: 'Developer',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:root` }, Action: 'sts:AssumeRole' }],
      },
    },
    {
      name: 'Revoker',
      managedPolicies: 'none' as const,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${HOME}:user/rolegate` },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
          },
        ],
      },
      inlinePolicies: {
        revoke: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
              Resource: `arn:aws:iam::${id}:role/*`,
            },
          ],
        },
      },
    },
  ],
});
const world: DevstackConfigInput = { accounts: [HOME, THROTTLED, FAILING, STALLED].map(accountWorld) };
const account = (id: string): AwsAccount => ({
  id,
  alias: `acct-${id}`,
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: arn(id, 'Revoker'), externalId: EXTERNAL_ID },
});

// The worker's settings: 3 job attempts, 2 SDK attempts per IAM call, each at most 400 ms.
const SETTINGS = { maxAttempts: 3, backoffBaseMs: 4000, backoffMaxMs: 60_000, pollIntervalMs: 50, leaseMs: 30_000, batchSize: 10 };
const IAM_ATTEMPTS = 2;
const IAM_TIMEOUT_MS = 400;

let sts: Awaited<ReturnType<typeof startTestSts>>;
let testDb: TestDatabase;
let database: Database;
let store: PgRevocationJobStore;
const audit: AuditEvent[] = [];
const steps: string[] = [];
let ahead = 0; // the worker's clock runs ahead of the devstack's to pass back-offs without waiting
const clock = { now: () => sts.clock.now().getTime() + ahead };

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
  await fetch(`${sts.url}/_devstack/faults`, { method: 'DELETE' });
  audit.length = 0;
  steps.length = 0;
});

function worker(): RevocationWorker {
  const logs = captureLogs();
  return new RevocationWorker({
    store,
    writer: new AwsSdkRolePolicyWriter({
      sts: new AwsSdkStsGateway({ logger: logs.logger, credentials: ROLEGATE, retryBudgetMs: 2000 }),
      stsEndpointFor: () => ({ region: 'us-east-1', url: sts.url }),
      iamEndpointFor: () => ({ region: 'us-east-1', url: sts.url }),
      iamAttempts: IAM_ATTEMPTS,
      iamTimeoutMs: IAM_TIMEOUT_MS,
    }),
    accountOf: (id) => Promise.resolve(account(id)),
    audit: {
      record: (event) => Promise.resolve(void audit.push(event)),
      recordAll: (events) => events.map((event) => Promise.resolve(void audit.push(event))),
    },
    clock,
    logger: logs.logger,
    observer: { step: (outcome) => steps.push(outcome) },
    settings: SETTINGS,
    owner: 'instance-1',
    random: () => 0.5,
  });
}

async function inject(fault: Record<string, unknown>): Promise<Fault> {
  const res = await fetch(`${sts.url}/_devstack/faults`, { method: 'POST', body: JSON.stringify(fault) });
  expect(res.status).toBe(201);
  return (await res.json()) as Fault;
}
async function faults(): Promise<Fault[]> {
  return ((await (await fetch(`${sts.url}/_devstack/faults`)).json()) as { faults: Fault[] }).faults;
}
const entry = (): RevocationEntry => ({
  cutoff: cutoffOf(sts.clock.now().getTime()),
  sourceIdentity: 'alice',
  expiresAt: new Date(clock.now() + 3600_000).toISOString(),
});
const enqueue = (...accounts: string[]) =>
  store.enqueue(
    accounts.map((id) => ({ accountId: id, roleArn: arn(id, 'Developer'), entry: entry() })),
    clock.now(),
  );
async function rolegatePolicyIn(accountId: string): Promise<string | undefined> {
  const revoker = await stsClient(sts.url, ROLEGATE).send(
    new AssumeRoleCommand({ RoleArn: arn(accountId, 'Revoker'), RoleSessionName: 'check', ExternalId: EXTERNAL_ID }),
  );
  const iam = new IAMClient({
    endpoint: sts.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: {
      accessKeyId: revoker.Credentials?.AccessKeyId ?? '',
      secretAccessKey: revoker.Credentials?.SecretAccessKey ?? '',
      sessionToken: revoker.Credentials?.SessionToken ?? '',
    },
  });
  const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'Developer', PolicyName: REVOCATION_POLICY_NAME }));
  return got.PolicyName;
}
const jobIn = async (accountId: string) => (await store.list({ accountId }))[0];

describe('the revocation worker when IAM throttles, fails or stalls', () => {
  it('when one account is throttled on every call, then its job makes bounded attempts with growing back-off and gives up visibly, while the others attach', async () => {
    const throttle = await inject({ service: 'iam', kind: 'throttling', action: 'PutRolePolicy', accountId: THROTTLED });
    await enqueue(HOME, THROTTLED);

    // The back-off is counted from when the attempt started (random 0.5 of the doubling ceiling).
    let before = clock.now();
    expect(await worker().runOnce()).toBe(2);
    expect(await jobIn(HOME)).toMatchObject({ state: 'attached' });
    expect(await rolegatePolicyIn(HOME)).toBe(REVOCATION_POLICY_NAME);
    const first = await jobIn(THROTTLED);
    expect(first).toMatchObject({ state: 'failed', attempts: 1 });
    expect(first?.lastError).toBe('Throttling: IAM PutRolePolicy failed: Rate exceeded');
    // The SDK's own attempts within one job attempt are bounded too.
    expect((await faults()).find((f) => f.id === throttle.id)?.hits).toBe(IAM_ATTEMPTS);
    const backoff1 = (first?.nextAttemptAt?.getTime() ?? 0) - before;
    expect(backoff1).toBeGreaterThanOrEqual(2000); // half of the 4 s base
    expect(backoff1).toBeLessThan(2000 + (clock.now() - before) + 1);

    // Not due yet: nothing is claimed, and IAM hears nothing more.
    expect(await worker().runOnce()).toBe(0);
    ahead += 2000;
    before = clock.now();
    expect(await worker().runOnce()).toBe(1);
    const second = await jobIn(THROTTLED);
    expect(second).toMatchObject({ state: 'failed', attempts: 2 });
    const backoff2 = (second?.nextAttemptAt?.getTime() ?? 0) - before;
    expect(backoff2).toBeGreaterThanOrEqual(4000); // doubled
    expect(backoff2).toBeLessThan(4000 + (clock.now() - before) + 1);
    ahead += 4000;
    expect(await worker().runOnce()).toBe(1);
    const last = await jobIn(THROTTLED);
    expect(last).toMatchObject({ state: 'failed', attempts: 3 });
    expect(last?.nextAttemptAt).toBeUndefined();
    ahead += 3600_000 / 2;
    expect(await worker().runOnce()).toBe(0); // given up: no further attempt
    expect((await faults()).find((f) => f.id === throttle.id)?.hits).toBe(SETTINGS.maxAttempts * IAM_ATTEMPTS);

    expect(steps).toEqual(expect.arrayContaining(['attached', 'failed', 'failed', 'gave_up']));
    expect(steps.filter((s) => s !== 'attached')).toEqual(['failed', 'failed', 'gave_up']);
    const failures = audit.filter((e) => e.accountId === THROTTLED);
    expect(failures.map((e) => [e.type, e.outcome, e.reason])).toEqual([
      ['revocation.policy.failed', 'error', 'Throttling: IAM PutRolePolicy failed: Rate exceeded'],
      ['revocation.policy.failed', 'error', 'Throttling: IAM PutRolePolicy failed: Rate exceeded'],
      ['revocation.policy.gave_up', 'error', 'Throttling: IAM PutRolePolicy failed: Rate exceeded'],
    ]);
    expect(await store.counts()).toEqual({ pending: 0, attached: 1, removed: 0, failed: 1 });
  });

  it('when IAM answers 5xx for a while and then recovers, then the job is retried and attached', async () => {
    // One job attempt's worth of failures (the SDK's 2 attempts), then IAM answers again.
    const failing = await inject({ service: 'iam', kind: 'server-error', accountId: FAILING, times: IAM_ATTEMPTS });
    await enqueue(FAILING);
    expect(await worker().runOnce()).toBe(1);
    expect(await jobIn(FAILING)).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: expect.stringMatching(/^ServiceFailure: IAM PutRolePolicy failed: /) as unknown,
    });
    ahead += 2000;
    expect(await worker().runOnce()).toBe(1);
    expect(await jobIn(FAILING)).toMatchObject({ state: 'attached' });
    expect(await rolegatePolicyIn(FAILING)).toBe(REVOCATION_POLICY_NAME);
    expect((await faults()).find((f) => f.id === failing.id)?.hits).toBe(IAM_ATTEMPTS);
    expect(steps).toEqual(['failed', 'attached']);
    expect(audit.map((e) => e.type)).toEqual(['revocation.policy.failed', 'revocation.policy.attached']);
  });

  it('when IAM stalls, then each call gives up after its timeout, the other account is not held up, and the job attaches once IAM answers again', async () => {
    await inject({ service: 'iam', kind: 'stall', accountId: STALLED });
    await enqueue(HOME, STALLED);
    const started = Date.now();
    expect(await worker().runOnce()).toBe(2);
    const took = Date.now() - started;
    // Two SDK attempts of 400 ms each plus its short back-off: bounded, nowhere near the 30 s lease.
    expect(took).toBeLessThan(IAM_ATTEMPTS * IAM_TIMEOUT_MS + 3000);
    expect(await jobIn(HOME)).toMatchObject({ state: 'attached' });
    const stalled = await jobIn(STALLED);
    expect(stalled).toMatchObject({ state: 'failed', attempts: 1 });
    expect(stalled?.lastError).toMatch(/^TimeoutError: IAM PutRolePolicy failed: .*400 ?ms/);

    const cleared = await fetch(`${sts.url}/_devstack/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(204);
    ahead += 2000;
    expect(await worker().runOnce()).toBe(1);
    expect(await jobIn(STALLED)).toMatchObject({ state: 'attached' });
    expect(await rolegatePolicyIn(STALLED)).toBe(REVOCATION_POLICY_NAME);
  });

  it('when STS throttles the AssumeRole into the revoker, then the job fails naming it and the other account attaches', async () => {
    await inject({ service: 'sts', kind: 'throttling', action: 'AssumeRole', accountId: THROTTLED });
    await enqueue(HOME, THROTTLED);
    expect(await worker().runOnce()).toBe(2);
    expect(await jobIn(HOME)).toMatchObject({ state: 'attached' });
    expect((await jobIn(THROTTLED))?.lastError).toMatch(/^cannot assume the revoker role arn:aws:iam::222222222222:role\/Revoker: /);
  });

  it('when the fault knob is given bad input, then it answers a precise 400/404/405 and injects nothing', async () => {
    const bad = async (init: RequestInit, path = '/_devstack/faults') => {
      const res = await fetch(`${sts.url}${path}`, init);
      return { status: res.status, body: (await res.json()) as { error: string } };
    };
    expect(await bad({ method: 'POST', body: '{"service":"iam"' })).toEqual({
      status: 400,
      body: { error: 'expected a JSON object describing the fault' },
    });
    expect(await bad({ method: 'POST', body: JSON.stringify({ service: 's3', kind: 'stall' }) })).toEqual({
      status: 400,
      body: { error: 'service: expected service iam or sts' },
    });
    expect(await bad({ method: 'POST', body: JSON.stringify({ service: 'iam', kind: 'slow', accountId: '12' }) })).toEqual({
      status: 400,
      body: { error: 'kind: expected kind throttling, server-error, stall; accountId: expected a 12-digit account id' },
    });
    expect(await bad({ method: 'POST', body: JSON.stringify({ service: 'iam', kind: 'stall', times: 0 }) })).toMatchObject({ status: 400 });
    expect(await bad({ method: 'POST', body: JSON.stringify({ service: 'iam', kind: 'stall', extra: true }) })).toMatchObject({
      status: 400,
    });
    expect(await bad({ method: 'DELETE' }, '/_devstack/faults/999')).toEqual({ status: 404, body: { error: 'no fault 999' } });
    expect(await bad({ method: 'PUT', body: '{}' })).toMatchObject({ status: 405 });
    expect(await faults()).toEqual([]);
  });
});

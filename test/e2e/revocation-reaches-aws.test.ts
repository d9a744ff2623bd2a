import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { failure, stsClient, type StaticCredentials } from '../support/devstack.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

const AWS = '/usr/bin/aws';
const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;
const EXTERNAL_ID = 'rolegate-revoker-e2e';

// The app's clock: moved past the revocation's window (the Developer role's 12 hours) to see the Deny removed.
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };

describe('revocation that reaches AWS (devstack, real AWS CLI)', { timeout: 120_000 }, () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let broker: StaticCredentials;
  let home: string;

  /** The real AWS CLI with the broker's keys (an IAM user of the devstack: an administrator there). */
  const aws = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = {
        PATH: process.env.PATH,
        HOME: home,
        AWS_CONFIG_FILE: join(home, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
        AWS_ACCESS_KEY_ID: broker.accessKeyId,
        AWS_SECRET_ACCESS_KEY: broker.secretAccessKey,
      };
      execFile(
        AWS,
        [...args, '--endpoint-url', world.devstack.iamUrl, '--output', 'json'],
        { env, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const credentialsOf = async (user: SignedIn): Promise<StaticCredentials> => {
    const res = await user.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } });
    expect(res.status).toBe(200);
    const { credentials } = (await res.json()) as { credentials: StaticCredentials };
    return {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken ?? '',
    };
  };
  const chain = (credentials: StaticCredentials) =>
    stsClient(world.devstack.stsUrl, credentials).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${SANDBOX}:role/ChainTarget`, RoleSessionName: 'chained' }),
    );

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'rolegate-revoker-'));
    world = await startExchangeWorld({ ROLEGATE_AUDITOR_GROUPS: 'aws-readonly' }, undefined, { clock });
    const [key] = world.devstack.accessKeys;
    if (!key) throw new Error('the devstack has no broker keys');
    broker = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    // Set up the account with the IAM subset: the revoker role (trusting rolegate's identity with an
    // ExternalId, allowed only the inline-policy actions) and a role Developer sessions may chain into.
    const iam = new IAMClient({ endpoint: world.devstack.iamUrl, region: 'us-east-1', maxAttempts: 1, credentials: { ...broker } });
    const trust = (principal: string, condition?: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) },
        ],
      });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'RolegateRevoker',
        AssumeRolePolicyDocument: trust(key.userArn, { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'RolegateRevoker',
        PolicyName: 'revoke',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
              Resource: `arn:aws:iam::${SANDBOX}:role/*`,
            },
          ],
        }),
      }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'ChainTarget', AssumeRolePolicyDocument: trust(DEVELOPER) }));
    const prisma = world.app.t.deps.database.prisma;
    await prisma.awsAccount.update({
      where: { id: SANDBOX },
      data: { revokerRoleArn: `arn:aws:iam::${SANDBOX}:role/RolegateRevoker`, revokerExternalId: EXTERNAL_ID },
    });
    await world.app.t.deps.credentials.accessModel.reload();
    bob = await world.signIn('bob');
  }, 90_000);
  afterAll(async () => {
    await world.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('when an admin revokes alice, then the Deny is attached, her old credentials cannot chain, a new sign-in works, and the Deny goes after its window', async () => {
    const alice = await world.signIn('alice');
    const old = await credentialsOf(alice);
    await chain(old);

    const revoked = await bob.api('/api/v1/admin/revocations', { method: 'POST', body: { user: 'demo:alice' } });
    expect(revoked.status).toBe(201);
    const result = (await revoked.json()) as {
      aws: unknown;
      policy: { Statement: { Condition: { DateLessThan: Record<string, string> } }[] };
    };
    expect(result.aws).toEqual({ queuedRoleArns: [DEVELOPER], byHandRoleArns: [] });
    const cutoff = result.policy.Statement[0]?.Condition.DateLessThan['aws:TokenIssueTime'] ?? '';

    // Within seconds the worker attaches it.
    await vi.waitFor(
      async () => {
        const jobs = (await (await bob.api('/api/v1/admin/revocations/jobs')).json()) as { jobs: { roleArn: string; state: string }[] };
        expect(jobs.jobs).toEqual([expect.objectContaining({ roleArn: DEVELOPER, state: 'attached' })]);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect((await bob.api('/api/v1/admin/revocations/jobs?accountId=sandbox')).status).toBe(400);
    // The admin page lists the same job, and a role revocation's preview says a job (not the admin) attaches the Deny.
    const adminPage = async (path: string) =>
      (await bob.browser.request(`${world.app.url}${path}`, { headers: { accept: 'text/html' } })).text();
    expect(await adminPage('/admin/revocations')).toMatch(
      new RegExp(
        `<tr data-role="${DEVELOPER}" data-state="attached">\\s*<td><code>${DEVELOPER}</code></td>\\s*<td>attached</td>\\s*<td>0</td>\\s*<td></td>\\s*<td>no</td>`,
      ),
    );
    expect(await adminPage('/admin/revocations/confirm?account=sandbox&role=Developer')).toMatch(
      new RegExp(`<ul aria-label="A job attaches the Deny \\(account with a revoker\\)">\\s*<li><code>${DEVELOPER}</code></li>`),
    );
    const shown = await aws(['iam', 'get-role-policy', '--role-name', 'Developer', '--policy-name', 'rolegate-revocations']);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      PolicyName: 'rolegate-revocations',
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' }, DateLessThan: { 'aws:TokenIssueTime': cutoff } },
          },
        ],
      },
    });
    expect(await failure(chain(old))).toMatchObject({ name: 'AccessDenied' });

    // A new sign-in after the cut-off (the devstack dates tokens in whole seconds) works, chaining included.
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(cutoff)), { timeout: 3000, interval: 50 });
    const again = await world.signIn('alice');
    await chain(await credentialsOf(again));

    // After the window (the Developer role's 12-hour maximum session) the worker removes the Deny.
    offsetMs += 43_200_000 + 1000;
    await vi.waitFor(
      async () => {
        const gone = await aws(['iam', 'get-role-policy', '--role-name', 'Developer', '--policy-name', 'rolegate-revocations']);
        expect(gone.stderr).toContain('(NoSuchEntity)');
      },
      { timeout: 20_000, interval: 500 },
    );
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamDoctorResponse } from '../../src/contracts/iam-doctor.js';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { runCli, type CliHome } from '../support/cli-process.js';
import { PROD, SANDBOX, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { awsCliSandbox } from '../support/aws-cli.js';

// `rolegate doctor` (CLI and GET /api/v1/admin/doctor) against the devstack's IAM: the world the
// `aws-cli` template builds passes; a trust policy edited by hand with the real AWS CLI is named,
// with its fix; an account rolegate's identity cannot read is a finding, not a crash.
describe('rolegate doctor with the real AWS CLI', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;
  let carol: SignedIn;
  let home: CliHome;
  let hub: string;
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-doctor-'));
  let awsCli: ReturnType<typeof awsCliSandbox>;
  const run = (file: string, args: string[]) => awsCli.run(file, args);

  beforeAll(async () => {
    world = await startAdminWorld({ ROLEGATE_SESSION_TAG_ATTRIBUTES: 'Email=email' });
    [bob, alice, carol] = await Promise.all([world.signIn('bob'), world.signIn('alice'), world.signIn('carol')]);
    ({ home } = await signedInCliHome(world, bob));
    const [broker] = world.devstack.accessKeys;
    if (!broker) throw new Error('the devstack has no broker key');
    hub = broker.userArn;
    awsCli = awsCliSandbox({ dir, endpointUrl: world.devstack.iamUrl, key: broker, env: { ROLEGATE_HUB_PRINCIPAL_ARN: hub } });
    const template = await runCli(['iam-template', '--account', 'sandbox', '--format', 'aws-cli', '--hub-principal', hub], home);
    expect(template.code, template.stderr).toBe(0);
    writeFileSync(join(dir, 'iam.sh'), template.stdout);
    expect(await run('sh', [join(dir, 'iam.sh')])).toBe(`rolegate: IAM of sandbox (${SANDBOX}) is set up`);
  }, 300_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the account was built by the aws-cli template, then doctor passes (exit 0) for an admin and an auditor', async () => {
    const cli = await runCli(['doctor', '--account', 'sandbox', '--hub-principal', hub], home);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toBe('IAM of 1 account matches the access model\n');
    const res = await alice.api(`/api/v1/admin/doctor?account=${SANDBOX}&hubPrincipal=${encodeURIComponent(hub)}`);
    expect(res.status).toBe(200);
    expect((await res.json()) as IamDoctorResponse).toEqual({
      clean: true,
      accounts: [{ accountId: SANDBOX, alias: 'sandbox', findings: [] }],
    });
  }, 60_000);

  it('when a trust policy is edited by hand with aws iam update-assume-role-policy, then doctor names the breakage with its fix (exit 16)', async () => {
    const broken = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${SANDBOX}:saml-provider/someone-else` },
          Action: 'sts:AssumeRoleWithSAML',
        },
      ],
    };
    await run(awsCli.wrapper, [
      'iam',
      'update-assume-role-policy',
      '--role-name',
      'Developer',
      '--policy-document',
      JSON.stringify(broken),
    ]);
    const cli = await runCli(['doctor', '--account', 'sandbox', '--hub-principal', hub], home);
    expect(cli.code, cli.stderr).toBe(16);
    expect(cli.stdout).toMatch(/^ACCOUNT\s+OBJECT\s+FINDING\s+DETAIL\n/);
    expect(cli.stdout).toMatch(
      new RegExp(`sandbox \\(${SANDBOX}\\)\\s+Developer\\s+trust_principal_missing\\s+no Allow statement trusts Federated`),
    );
    expect(cli.stdout).toContain("update-assume-role-policy --role-name 'Developer'");
    expect(cli.stderr).toContain('rolegate: 1 finding in 1 of 1 accounts');
    const json = await runCli(['doctor', '--account', 'sandbox', '--hub-principal', hub, '--json'], home);
    expect(json.code).toBe(16);
    const answer = JSON.parse(json.stdout) as IamDoctorResponse;
    expect(answer.clean).toBe(false);
    expect(answer.accounts[0]?.findings.map((f) => [f.object, f.kind])).toEqual([['Developer', 'trust_principal_missing']]);
    // The fix shown puts it right.
    writeFileSync(join(dir, 'fix.sh'), `set -eu\n${answer.accounts[0]?.findings[0]?.fix ?? ''}\n`);
    await run('sh', [join(dir, 'fix.sh')]);
    expect((await runCli(['doctor', '--account', 'sandbox', '--hub-principal', hub], home)).code).toBe(0);
  }, 60_000);

  it('when rolegate cannot read an account (its identity lives in another, no reader role), then one clear finding, no crash', async () => {
    const cli = await runCli(['doctor', '--account', 'prod'], home);
    expect(cli.code, cli.stderr).toBe(16);
    expect(cli.stdout).toContain(`iam_unreadable`);
    expect(cli.stdout).toContain(`cannot read IAM in account ${PROD}`);
    expect(cli.stdout).toContain('--reader-role-name');
    const reader = await runCli(['doctor', '--account', 'prod', '--reader-role-name', 'NoSuchReader'], home);
    expect(reader.code, reader.stderr).toBe(16);
    expect(reader.stdout).toContain(`cannot assume the reader role arn:aws:iam::${PROD}:role/NoSuchReader`);
  }, 60_000);

  it('when the request is wrong or the caller no admin nor auditor, then precise 4xx and CLI exit codes', async () => {
    expect((await bob.api('/api/v1/admin/doctor?account=nowhere')).status).toBe(404);
    expect((await bob.api('/api/v1/admin/doctor?readerRoleName=a%20b')).status).toBe(400);
    expect((await bob.api('/api/v1/admin/doctor?extra=1')).status).toBe(400);
    expect((await carol.api('/api/v1/admin/doctor')).status).toBe(403);
    const usage = await runCli(['doctor', '--reader-role-name', 'a b'], home);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--reader-role-name: expected an IAM role name');
  });
});

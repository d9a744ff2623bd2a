import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IamTemplateResponse } from '../../src/contracts/iam-template.js';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { runCli, type CliHome } from '../support/cli-process.js';
import { PROD, SANDBOX, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

// `rolegate iam-template` and GET /api/v1/admin/iam-template against the demo access model.
const HUB = 'arn:aws:iam::999999999999:role/rolegate';

describe('IAM setup as code', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let carol: SignedIn;
  let home: CliHome;
  const out = mkdtempSync(path.join(tmpdir(), 'rolegate-iam-'));

  beforeAll(async () => {
    world = await startAdminWorld({ ROLEGATE_SESSION_TAG_ATTRIBUTES: 'Email=email' });
    [bob, carol] = await Promise.all([world.signIn('bob'), world.signIn('carol')]);
    ({ home } = await signedInCliHome(world, bob));
  }, 60_000);
  afterAll(async () => {
    await world.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('when an admin asks for the sandbox account as CloudFormation, then every role has the trust policy of its mode and the SAML metadata holds the published certificates', async () => {
    const res = await bob.api(`/api/v1/admin/iam-template?account=sandbox&format=cloudformation&hubPrincipal=${encodeURIComponent(HUB)}`);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as IamTemplateResponse;
    expect(answer.documents.map((d) => d.accountId)).toEqual([SANDBOX]);
    const cfn = JSON.parse(answer.documents[0]?.content ?? '') as {
      Parameters: Record<string, { Default: string }>;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    expect(cfn.Parameters.RolegateHubPrincipalArn?.Default).toBe(HUB);
    const metadata = await (await fetch(new URL('/saml/metadata', world.app.url))).text();
    expect(cfn.Resources.SamlProviderRolegate?.Properties.SamlMetadataDocument).toBe(metadata);
    const oidc = Object.values(cfn.Resources).find((r) => r.Type === 'AWS::IAM::OIDCProvider');
    expect(oidc?.Properties).toMatchObject({ Url: world.app.url.replace(/\/$/, ''), ClientIdList: ['sts.amazonaws.com'] });
    const trustOf = (name: string) =>
      JSON.stringify(Object.values(cfn.Resources).find((r) => r.Properties.RoleName === name)?.Properties.AssumeRolePolicyDocument);
    expect(trustOf('Developer')).toContain('"sts:AssumeRoleWithSAML","sts:SetSourceIdentity","sts:TagSession"');
    expect(trustOf('WebIdentityDeveloper')).toContain(`"${new URL(world.app.url).host}:aud":"sts.amazonaws.com"`);
    expect(trustOf('BrokerDeveloper')).toContain('{"Ref":"RolegateHubPrincipalArn"}');
  });

  it('when the CLI writes every account as Terraform and as aws-cli scripts, then the HCL parses and the scripts are valid shell', async () => {
    const tf = await runCli(['iam-template', '--all', '--format', 'terraform', '--out-dir', path.join(out, 'tf')], home);
    expect(tf.code, tf.stderr).toBe(0);
    expect(readdirSync(path.join(out, 'tf')).sort()).toEqual(['rolegate-iam-prod.tf', 'rolegate-iam-sandbox.tf']);
    const prod = (await parseHcl('prod.tf', readFileSync(path.join(out, 'tf', 'rolegate-iam-prod.tf'), 'utf8'))) as {
      resource: Record<string, Record<string, { name: string }[]>>;
    };
    expect(
      Object.values(prod.resource.aws_iam_role ?? {})
        .map((r) => r[0]?.name)
        .sort(),
    ).toEqual(['Admin', 'BreakGlass', 'BrokerReadOnly', 'ReadOnly']);
    const cli = await runCli(['iam-template', '--all', '--format', 'aws-cli', '--out-dir', path.join(out, 'sh')], home);
    expect(cli.code, cli.stderr).toBe(0);
    for (const file of readdirSync(path.join(out, 'sh'))) execFileSync('sh', ['-n', path.join(out, 'sh', file)]);
    const one = await runCli(['iam-template', '--account', PROD, '--format', 'aws-cli'], home);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain("--role-name 'BrokerReadOnly'");
    expect(one.stdout).toContain('"sts:ExternalId":"rolegate-demo"');
  });

  it('when the request is wrong or the caller no admin, then precise 4xx and CLI exit codes', async () => {
    expect((await bob.api('/api/v1/admin/iam-template?format=pulumi')).status).toBe(400);
    expect((await bob.api('/api/v1/admin/iam-template?format=terraform&account=nowhere')).status).toBe(404);
    expect((await bob.api('/api/v1/admin/iam-template?format=terraform&hubPrincipal=me')).status).toBe(400);
    expect((await carol.api('/api/v1/admin/iam-template?format=terraform')).status).toBe(403);
    const both = await runCli(['iam-template', '--all', '--account', 'prod', '--format', 'terraform'], home);
    expect(both.code).toBe(2);
    const format = await runCli(['iam-template', '--account', 'prod', '--format', 'pulumi'], home);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format takes cloudformation, terraform or aws-cli');
    const missing = await runCli(['iam-template', '--account', 'nowhere', '--format', 'terraform'], home);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nowhere/);
  });
});

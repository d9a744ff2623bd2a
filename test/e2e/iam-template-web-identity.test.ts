import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome } from '../support/admin-world.js';
import { runCli, type CliHome } from '../support/cli-process.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { awsCliSandbox } from '../support/aws-cli.js';

// Web identity end to end from nothing: on an empty devstack account, the script of
// `rolegate iam-template --format aws-cli`, run with the real AWS CLI, registers rolegate's issuer
// as an OIDC provider and creates the role; rolegate's web-identity exchange then gets credentials
// through it (the devstack fetches the discovery document and JWKS from rolegate's issuer on
// loopback), and refuses with a clear error once the provider or its audience no longer matches.
const ROLE = `arn:aws:iam::${SANDBOX}:role/WebDeveloper`;

describe('web identity through the provider the aws-cli IAM template registers', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;
  let home: CliHome;
  let hub: string;
  let providerArn: string;
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-web-identity-'));
  const script = join(dir, 'iam.sh');
  let awsCli: ReturnType<typeof awsCliSandbox>;
  const run = (file: string, args: string[]) => awsCli.run(file, args);
  const aws = (args: string[]) => run(awsCli.wrapper, [...args, '--output', 'json']);
  // Each exchange asks STS again: rolegate's credential cache would otherwise answer from what the last one got.
  const takeRole = async () => {
    await world.app.t.deps.credentials.cache.deleteAllFor('demo:alice');
    const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'WebDeveloper' } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    world = await startExchangeWorld({ ROLEGATE_AUDITOR_GROUPS: 'aws-readonly' }, [], {
      devstackConfigFile: 'test/fixtures/devstack-empty-accounts.yaml',
    });
    // The access model: one web-identity role, named with the provider ARN rolegate's issuer gets in IAM.
    const issuerId = new URL(world.app.url).host;
    providerArn = `arn:aws:iam::${SANDBOX}:oidc-provider/${issuerId}`;
    await world.app.t.deps.database.prisma.role.create({
      data: {
        accountId: SANDBOX,
        name: 'WebDeveloper',
        arn: ROLE,
        exchangeMode: 'web_identity',
        providerArn,
        maxSessionSeconds: 3600,
        description: 'web identity from the template',
      },
    });
    await world.setMappings([{ group: 'aws-dev', role: ROLE }]);
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
    ({ home } = await signedInCliHome(world, bob));
    const [broker] = world.devstack.accessKeys;
    if (!broker) throw new Error('the devstack has no broker key');
    hub = broker.userArn;
    awsCli = awsCliSandbox({ dir, endpointUrl: world.devstack.iamUrl, key: broker });
  }, 120_000);
  afterAll(async () => {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the account is empty, then the web-identity exchange is refused: there is no role and no provider yet', async () => {
    expect(JSON.parse(await aws(['iam', 'list-open-id-connect-providers']))).toEqual({ OpenIDConnectProviderList: [] });
    const { status, json } = await takeRole();
    expect(status).toBe(403);
    expect(json).toMatchObject({
      code: 'sts_access_denied',
      awsErrorCode: 'AccessDenied',
      detail: expect.stringContaining('Not authorized to perform sts:AssumeRoleWithWebIdentity') as unknown,
    });
    expect(JSON.stringify(json)).not.toContain('ASIA');
  });

  it('when the generated aws-cli script has run, then alice gets web-identity credentials through the provider it registered', async () => {
    const template = await runCli(['iam-template', '--account', 'sandbox', '--format', 'aws-cli', '--hub-principal', hub], home);
    expect(template.code, template.stderr).toBe(0);
    expect(template.stdout).toContain(`create-open-id-connect-provider --url '${world.app.url}'`);
    // rolegate's issuer here is plain http: the thumbprint is a placeholder, and both the script and the CLI say why.
    expect(template.stdout).toContain(`# Thumbprint: PLACEHOLDER (${'0'.repeat(40)}), the issuer ${world.app.url} is plain http`);
    expect(template.stderr).toContain(
      `rolegate: sandbox (${SANDBOX}): the OIDC provider ${world.app.url} is created with a placeholder thumbprint`,
    );
    writeFileSync(script, template.stdout);
    expect(await run('sh', [script])).toBe(`rolegate: IAM of sandbox (${SANDBOX}) is set up`);
    const provider = JSON.parse(await aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn])) as {
      Url: string;
      ClientIDList: string[];
    };
    expect(provider).toMatchObject({ Url: new URL(world.app.url).host, ClientIDList: ['sts.amazonaws.com'] });

    const { status, json } = await takeRole();
    expect(status, JSON.stringify(json)).toBe(200);
    const credentials = json.credentials as { accessKeyId: string };
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    const issued = world.devstack.issuedSession(credentials.accessKeyId);
    expect(issued).toMatchObject({
      issuedBy: 'AssumeRoleWithWebIdentity',
      assumedRoleArn: `arn:aws:sts::${SANDBOX}:assumed-role/WebDeveloper/alice`,
    });
  }, 120_000);

  it("when the registered provider no longer lists rolegate's audience, then the exchange is refused naming the audience, and the script puts it right", async () => {
    const issuer = world.app.url;
    await aws(['iam', 'delete-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn]);
    await aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      issuer,
      '--client-id-list',
      'someone-else',
      '--thumbprint-list',
      '0'.repeat(40),
    ]);
    const refused = await takeRole();
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      code: 'sts_access_denied',
      awsErrorCode: 'InvalidIdentityTokenException',
      detail: expect.stringContaining('Incorrect token audience') as unknown,
    });
    expect(await run('sh', [script])).toBe(`rolegate: IAM of sandbox (${SANDBOX}) is set up`);
    expect((await takeRole()).status).toBe(200);
  }, 120_000);

  it("when the provider registered is for another issuer URL, then the exchange is refused: no provider for rolegate's issuer", async () => {
    await aws(['iam', 'delete-open-id-connect-provider', '--open-id-connect-provider-arn', providerArn]);
    await aws([
      'iam',
      'create-open-id-connect-provider',
      '--url',
      `${world.app.url}/elsewhere`,
      '--client-id-list',
      'sts.amazonaws.com',
      '--thumbprint-list',
      '0'.repeat(40),
    ]);
    const refused = await takeRole();
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      code: 'sts_access_denied',
      awsErrorCode: 'InvalidIdentityTokenException',
      detail: expect.stringContaining(`No OpenIDConnect provider found in your account for ${world.app.url}`) as unknown,
    });
    expect(await run('sh', [script])).toBe(`rolegate: IAM of sandbox (${SANDBOX}) is set up`);
    expect((await takeRole()).status).toBe(200);
  }, 120_000);

  it('when the operator passes --thumbprint, then the script uses it and says so; a malformed one is a usage error', async () => {
    const given = 'AB'.repeat(20);
    const template = await runCli(
      ['iam-template', '--account', 'sandbox', '--format', 'aws-cli', '--hub-principal', hub, '--thumbprint', given],
      home,
    );
    expect(template.code, template.stderr).toBe(0);
    expect(template.stdout).toContain('# Thumbprint: given with --thumbprint');
    expect(template.stdout).toContain(`--thumbprint-list "\${ROLEGATE_OIDC_THUMBPRINT:-${given.toLowerCase()}}"`);
    expect(template.stderr).not.toContain('placeholder');
    const bad = await runCli(['iam-template', '--account', 'sandbox', '--format', 'aws-cli', '--thumbprint', 'xyz'], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--thumbprint: expected 40 hexadecimal characters: the SHA-1 of the issuer's top intermediate CA certificate",
    );
    const api = await bob.api('/api/v1/admin/iam-template?account=sandbox&thumbprint=12');
    expect(api.status).toBe(400);
  }, 60_000);
});

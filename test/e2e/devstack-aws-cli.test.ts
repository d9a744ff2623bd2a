import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSts } from '../support/devstack.js';
import { idpMetadata, mintSamlResponse, testSigner, toBase64 } from '../support/saml/mint-saml-response.js';

// The real AWS CLI v2 (Debian package awscli, installed by .ci/run). Another `aws` may come first on PATH.
const AWS = '/usr/bin/aws';
const A = '111111111111';
const PROVIDER = `arn:aws:iam::${A}:saml-provider/test-idp`;
const BROKER = { accessKeyId: 'AKIATESTCLIBROKER001', secretAccessKey: 'cli-broker-test-secret-0123456789' };
let sts: Awaited<ReturnType<typeof startTestSts>>;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rolegate-awscli-'));
  sts = await startTestSts({
    accounts: [
      {
        id: A,
        samlProviders: [{ name: 'test-idp', metadata: { xml: idpMetadata([testSigner('idp').cert]) } }],
        users: [{ name: 'broker', accessKeys: [BROKER] }],
        roles: [
          {
            name: 'Developer',
            trustPolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Federated: PROVIDER },
                  Action: 'sts:AssumeRoleWithSAML',
                  Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
                },
                { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/broker` }, Action: 'sts:AssumeRole' },
              ],
            },
          },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await sts.close();
  rmSync(home, { recursive: true, force: true });
});

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the AWS CLI against the devstack only: throwaway HOME and config files, no IMDS, no inherited AWS_* settings. */
function aws(args: string[], credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    ...(credentials
      ? {
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
        }
      : {}),
  };
  return new Promise((resolve) => {
    execFile(AWS, [...args, '--endpoint-url', sts.url, '--output', 'json'], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

interface CliCredentials {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
  AssumedRoleUser: { Arn: string };
}

const toEnv = (c: CliCredentials['Credentials']) => ({
  accessKeyId: c.AccessKeyId,
  secretAccessKey: c.SecretAccessKey,
  sessionToken: c.SessionToken,
});

// Each `aws` run starts a Python interpreter (~1 s alone, several under a loaded CI machine).
describe('the real AWS CLI against the devstack', { timeout: 90_000 }, () => {
  it('when the CLI exchanges a SAML assertion and signs with the result, then get-caller-identity returns the assumed-role ARN', async () => {
    const assertion = toBase64(mintSamlResponse({ signer: testSigner('idp'), roles: [`arn:aws:iam::${A}:role/Developer,${PROVIDER}`] }));
    const exchanged = await aws([
      'sts',
      'assume-role-with-saml',
      '--role-arn',
      `arn:aws:iam::${A}:role/Developer`,
      '--principal-arn',
      PROVIDER,
      '--saml-assertion',
      assertion,
      '--no-sign-request',
    ]);
    expect(exchanged.stderr).toBe('');
    expect(exchanged.code).toBe(0);
    const result = JSON.parse(exchanged.stdout) as CliCredentials;
    expect(result.Credentials.AccessKeyId).toMatch(/^ASIA/);

    const identity = await aws(['sts', 'get-caller-identity'], toEnv(result.Credentials));
    expect(identity.code).toBe(0);
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: A, Arn: `arn:aws:sts::${A}:assumed-role/Developer/alice@example.com` });

    const tampered = await aws(['sts', 'get-caller-identity'], {
      ...toEnv(result.Credentials),
      secretAccessKey: `${result.Credentials.SecretAccessKey}x`,
    });
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation');
  });

  it('when the CLI calls assume-role with long-term keys, then the chained credentials work and a forged session token is refused', async () => {
    const assumed = await aws(
      ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A}:role/Developer`, '--role-session-name', 'cli-e2e'],
      BROKER,
    );
    expect(assumed.code).toBe(0);
    const result = JSON.parse(assumed.stdout) as CliCredentials;
    expect(result.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${A}:assumed-role/Developer/cli-e2e`);
    const forged = await aws(['sts', 'get-caller-identity'], { ...toEnv(result.Credentials), sessionToken: 'forged' });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain('An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation');
  });

  it('when the CLI sends an expired SAML assertion, then it reports ExpiredTokenException', async () => {
    const now = Date.now();
    const assertion = toBase64(
      mintSamlResponse({
        signer: testSigner('idp'),
        roles: [`arn:aws:iam::${A}:role/Developer,${PROVIDER}`],
        now: new Date(now - 3600_000),
        notOnOrAfter: new Date(now - 60_000),
      }),
    );
    const refused = await aws([
      'sts',
      'assume-role-with-saml',
      '--role-arn',
      `arn:aws:iam::${A}:role/Developer`,
      '--principal-arn',
      PROVIDER,
      '--saml-assertion',
      assertion,
      '--no-sign-request',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('An error occurred (ExpiredTokenException) when calling the AssumeRoleWithSAML operation');
  });
});

describe('the real AWS CLI against the devstack IAM subset', { timeout: 120_000 }, () => {
  const trustBroker = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/broker` }, Action: 'sts:AssumeRole' }],
  });
  const trustTarget = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/CliEntry` }, Action: 'sts:AssumeRole' }],
  });

  it('when the CLI creates roles and puts a Deny, then get-role-policy shows it and the covered session can no longer chain', async () => {
    const created = await aws(
      ['iam', 'create-role', '--role-name', 'CliEntry', '--assume-role-policy-document', trustBroker, '--max-session-duration', '7200'],
      BROKER,
    );
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      Role: { RoleName: 'CliEntry', Arn: `arn:aws:iam::${A}:role/CliEntry`, MaxSessionDuration: 7200 },
    });
    expect((await aws(['iam', 'create-role', '--role-name', 'CliTarget', '--assume-role-policy-document', trustTarget], BROKER)).code).toBe(
      0,
    );
    const duplicate = await aws(['iam', 'create-role', '--role-name', 'CliTarget', '--assume-role-policy-document', trustTarget], BROKER);
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toContain('An error occurred (EntityAlreadyExists) when calling the CreateRole operation');
    // The CLI decodes IAM's URL-encoded policy documents.
    const got = JSON.parse((await aws(['iam', 'get-role', '--role-name', 'CliEntry'], BROKER)).stdout) as {
      Role: { AssumeRolePolicyDocument: unknown };
    };
    expect(got.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trustBroker));
    expect((await aws(['iam', 'update-role', '--role-name', 'CliEntry', '--max-session-duration', '43200'], BROKER)).code).toBe(0);
    const listed = JSON.parse((await aws(['iam', 'list-roles'], BROKER)).stdout) as {
      Roles: { RoleName: string; MaxSessionDuration: number }[];
    };
    expect(listed.Roles.find((r) => r.RoleName === 'CliEntry')?.MaxSessionDuration).toBe(43200);

    const entry = JSON.parse(
      (await aws(['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A}:role/CliEntry`, '--role-session-name', 'alice'], BROKER)).stdout,
    ) as CliCredentials;
    const chain = () =>
      aws(
        ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A}:role/CliTarget`, '--role-session-name', 'chained'],
        toEnv(entry.Credentials),
      );
    expect((await chain()).code).toBe(0);

    const cutoff = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z');
    const deny = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RolegateRevokeRole',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
        },
      ],
    };
    const put = await aws(
      [
        'iam',
        'put-role-policy',
        '--role-name',
        'CliEntry',
        '--policy-name',
        'rolegate-revocations',
        '--policy-document',
        JSON.stringify(deny),
      ],
      BROKER,
    );
    expect(put.stderr).toBe('');
    const shown = await aws(['iam', 'get-role-policy', '--role-name', 'CliEntry', '--policy-name', 'rolegate-revocations'], BROKER);
    expect(JSON.parse(shown.stdout)).toEqual({ RoleName: 'CliEntry', PolicyName: 'rolegate-revocations', PolicyDocument: deny });
    expect(JSON.parse((await aws(['iam', 'list-role-policies', '--role-name', 'CliEntry'], BROKER)).stdout)).toMatchObject({
      PolicyNames: ['rolegate-revocations'],
    });

    const refused = await chain();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('An error occurred (AccessDenied) when calling the AssumeRole operation');

    const conflict = await aws(['iam', 'delete-role', '--role-name', 'CliEntry'], BROKER);
    expect(conflict.stderr).toContain('(DeleteConflict)');
    expect(
      (await aws(['iam', 'delete-role-policy', '--role-name', 'CliEntry', '--policy-name', 'rolegate-revocations'], BROKER)).code,
    ).toBe(0);
    const gone = await aws(['iam', 'get-role-policy', '--role-name', 'CliEntry', '--policy-name', 'rolegate-revocations'], BROKER);
    expect(gone.stderr).toContain('An error occurred (NoSuchEntity) when calling the GetRolePolicy operation');
    expect(gone.stderr).toContain('The role policy with name rolegate-revocations cannot be found.');
    expect((await chain()).code).toBe(0);
  });

  it('when the CLI creates a managed policy, versions it and attaches it, then each answer parses and the default version decides what a session may do', async () => {
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/broker` }, Action: 'sts:AssumeRole' }],
    });
    expect((await aws(['iam', 'create-role', '--role-name', 'CliManaged', '--assume-role-policy-document', trust], BROKER)).code).toBe(0);
    const trustManaged = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/CliManaged` }, Action: 'sts:AssumeRole' }],
    });
    expect(
      (await aws(['iam', 'create-role', '--role-name', 'CliManagedTarget', '--assume-role-policy-document', trustManaged], BROKER)).code,
    ).toBe(0);
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
    const created = await aws(
      ['iam', 'create-policy', '--policy-name', 'CliNoChain', '--path', '/cli/', '--policy-document', JSON.stringify(allow)],
      BROKER,
    );
    expect(created.stderr).toBe('');
    const policyArn = `arn:aws:iam::${A}:policy/cli/CliNoChain`;
    expect(JSON.parse(created.stdout)).toMatchObject({ Policy: { PolicyName: 'CliNoChain', Arn: policyArn, DefaultVersionId: 'v1' } });
    expect((await aws(['iam', 'attach-role-policy', '--role-name', 'CliManaged', '--policy-arn', policyArn], BROKER)).stderr).toBe('');
    expect(JSON.parse((await aws(['iam', 'list-attached-role-policies', '--role-name', 'CliManaged'], BROKER)).stdout)).toEqual({
      AttachedPolicies: [{ PolicyName: 'CliNoChain', PolicyArn: policyArn }],
    });
    expect(JSON.parse((await aws(['iam', 'get-policy', '--policy-arn', policyArn], BROKER)).stdout)).toMatchObject({
      Policy: { AttachmentCount: 1, IsAttachable: true },
    });

    const session = JSON.parse(
      (await aws(['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A}:role/CliManaged`, '--role-session-name', 'managed'], BROKER))
        .stdout,
    ) as CliCredentials;
    const chain = () =>
      aws(
        ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${A}:role/CliManagedTarget`, '--role-session-name', 'chained'],
        toEnv(session.Credentials),
      );
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }] };
    const v2 = await aws(
      ['iam', 'create-policy-version', '--policy-arn', policyArn, '--policy-document', JSON.stringify(deny), '--set-as-default'],
      BROKER,
    );
    expect(JSON.parse(v2.stdout)).toMatchObject({ PolicyVersion: { VersionId: 'v2', IsDefaultVersion: true } });
    // The CLI decodes the URL-encoded document.
    expect(
      JSON.parse((await aws(['iam', 'get-policy-version', '--policy-arn', policyArn, '--version-id', 'v2'], BROKER)).stdout),
    ).toMatchObject({
      PolicyVersion: { Document: deny, VersionId: 'v2', IsDefaultVersion: true },
    });
    const versions = JSON.parse((await aws(['iam', 'list-policy-versions', '--policy-arn', policyArn], BROKER)).stdout) as {
      Versions: { VersionId: string }[];
    };
    expect(versions.Versions.map((v) => v.VersionId)).toEqual(['v2', 'v1']);
    const refused = await chain();
    expect(refused.stderr).toContain('An error occurred (AccessDenied) when calling the AssumeRole operation');
    expect(refused.stderr).toContain('with an explicit deny in an identity-based policy');

    const conflict = await aws(['iam', 'delete-policy', '--policy-arn', policyArn], BROKER);
    expect(conflict.stderr).toContain('An error occurred (DeleteConflict) when calling the DeletePolicy operation');
    expect((await aws(['iam', 'detach-role-policy', '--role-name', 'CliManaged', '--policy-arn', policyArn], BROKER)).code).toBe(0);
    const notAttached = await aws(['iam', 'detach-role-policy', '--role-name', 'CliManaged', '--policy-arn', policyArn], BROKER);
    expect(notAttached.stderr).toContain('An error occurred (NoSuchEntity) when calling the DetachRolePolicy operation');
    expect((await chain()).code).toBe(0);
  });

  it('when the CLI manages SAML and OIDC providers, then each answer parses', async () => {
    const file = join(home, 'metadata.xml');
    writeFileSync(file, idpMetadata([testSigner('other-idp').cert]));
    const created = await aws(['iam', 'create-saml-provider', '--name', 'cli-idp', '--saml-metadata-document', `file://${file}`], BROKER);
    expect(created.stderr).toBe('');
    const arn = (JSON.parse(created.stdout) as { SAMLProviderArn: string }).SAMLProviderArn;
    expect(arn).toBe(`arn:aws:iam::${A}:saml-provider/cli-idp`);
    const listed = JSON.parse((await aws(['iam', 'list-saml-providers'], BROKER)).stdout) as { SAMLProviderList: { Arn: string }[] };
    expect(listed.SAMLProviderList.map((p) => p.Arn)).toContain(arn);
    expect((await aws(['iam', 'get-saml-provider', '--saml-provider-arn', arn], BROKER)).stdout).toContain('SAMLMetadataDocument');
    expect((await aws(['iam', 'delete-saml-provider', '--saml-provider-arn', arn], BROKER)).code).toBe(0);

    const oidc = await aws(
      [
        'iam',
        'create-open-id-connect-provider',
        '--url',
        'https://cli.example.test',
        '--client-id-list',
        'sts.amazonaws.com',
        '--thumbprint-list',
        'a'.repeat(40),
      ],
      BROKER,
    );
    expect(oidc.stderr).toBe('');
    const oidcArn = (JSON.parse(oidc.stdout) as { OpenIDConnectProviderArn: string }).OpenIDConnectProviderArn;
    expect(
      (
        await aws(
          ['iam', 'add-client-id-to-open-id-connect-provider', '--open-id-connect-provider-arn', oidcArn, '--client-id', 'rolegate'],
          BROKER,
        )
      ).code,
    ).toBe(0);
    expect(
      JSON.parse((await aws(['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', oidcArn], BROKER)).stdout),
    ).toMatchObject({
      Url: 'cli.example.test',
      ClientIDList: ['sts.amazonaws.com', 'rolegate'],
    });
    expect((await aws(['iam', 'delete-open-id-connect-provider', '--open-id-connect-provider-arn', oidcArn], BROKER)).code).toBe(0);
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

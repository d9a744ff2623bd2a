import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRole } from '../../src/domain/access-model.js';
import { renderIamTemplate } from '../../src/domain/iam-template-formats.js';
import { planAccountIam, type TemplateAccount } from '../../src/domain/iam-template.js';
import { startTestSts } from '../support/devstack.js';
import { idpMetadata, mintSamlResponse, testSigner } from '../support/saml/mint-saml-response.js';

// A hang guard, not a speed check: the script makes about 22 AWS CLI calls, each a Python start
// (0.5 s here when quiet, several seconds on a loaded 2-core CI machine).
const AWS_CLI_BOUND_MS = 180_000;

// The `aws-cli` template, run with the real AWS CLI against the devstack's IAM subset, builds from
// an empty account a world in which the SAML (current and staged next key) and assume-role
// exchanges work, and running it again changes nothing.
const A = '111111111111';
const ADMIN = { accessKeyId: 'AKIATESTIAMADMIN0001', secretAccessKey: 'iam-admin-test-secret-0123456789' };
const HUB = `arn:aws:iam::${A}:user/admin`;
const SAML = `arn:aws:iam::${A}:saml-provider/rolegate`;
const account: TemplateAccount = {
  id: A,
  alias: 'sandbox',
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: `arn:aws:iam::${A}:role/rolegate-revoker`, externalId: 'ext-revoker' },
};
const role = (name: string, exchangeMode: AwsRole['exchangeMode'], extra: Partial<AwsRole> = {}): AwsRole => ({
  id: name,
  accountId: A,
  name,
  arn: `arn:aws:iam::${A}:role/${name}`,
  exchangeMode,
  maxSessionSeconds: 3600,
  description: '',
  ...extra,
});
const plan = planAccountIam(
  {
    accounts: [account],
    roles: [
      role('Developer', 'saml', { providerArn: SAML }),
      role('Web', 'web-identity', { providerArn: `arn:aws:iam::${A}:oidc-provider/rolegate.example` }),
      role('Broker', 'assume-role', { externalId: 'ext-1' }),
    ],
    mappings: [
      {
        id: 'm',
        group: 'g',
        match: 'exact',
        roleId: 'Developer',
        requireMfa: false,
        allowedCidrs: [],
        breakGlass: false,
        maxSessionSeconds: 14_400,
      },
    ],
    samlMetadataXml: idpMetadata([testSigner('idp').cert, testSigner('rotated-idp').cert]),
    webIdentityIssuer: 'https://rolegate.example',
    webIdentityAudience: 'sts.amazonaws.com',
    sendsSessionTags: true,
  },
  account,
);

describe('the aws-cli IAM template with the real AWS CLI', () => {
  let sts: Awaited<ReturnType<typeof startTestSts>>;
  const dir = mkdtempSync(join(tmpdir(), 'rolegate-iam-cli-'));
  const wrapper = join(dir, 'aws');
  const script = join(dir, 'iam.sh');
  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    AWS: wrapper,
    ROLEGATE_HUB_PRINCIPAL_ARN: HUB,
  });
  const run = async (file: string, args: string[]) =>
    (await promisify(execFile)(file, args, { env: env(), timeout: AWS_CLI_BOUND_MS })).stdout.trim();
  const aws = (args: string[]) => run(wrapper, [...args, '--output', 'text']);

  beforeAll(async () => {
    sts = await startTestSts({ accounts: [{ id: A, users: [{ name: 'admin', accessKeys: [ADMIN] }], roles: [] }] });
    // AWS CLI 2.9 has no AWS_ENDPOINT_URL: the script's $AWS adds the devstack endpoint.
    writeFileSync(wrapper, `#!/bin/sh\nexec /usr/bin/aws "$@" --endpoint-url ${sts.url}\n`, { mode: 0o755 });
    writeFileSync(script, renderIamTemplate(plan, 'aws-cli'));
  }, 30_000);
  afterAll(async () => {
    await sts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when run twice on an empty account, then every role, provider and the revoker policy exist and each exchange works', async () => {
    expect(await run('sh', [script])).toBe('rolegate: IAM of sandbox (111111111111) is set up');
    expect(await run('sh', [script])).toBe('rolegate: IAM of sandbox (111111111111) is set up');
    expect(await aws(['iam', 'get-role', '--role-name', 'Developer', '--query', 'Role.MaxSessionDuration'])).toBe('14400');
    expect(
      await aws([
        'iam',
        'get-role-policy',
        '--role-name',
        'rolegate-revoker',
        '--policy-name',
        'rolegate-revoker',
        '--query',
        'PolicyDocument.Statement[0].Action',
      ]),
    ).toBe('iam:PutRolePolicy\tiam:GetRolePolicy\tiam:DeleteRolePolicy\tiam:ListRolePolicies');
    expect(
      await aws([
        'iam',
        'get-open-id-connect-provider',
        '--open-id-connect-provider-arn',
        `arn:aws:iam::${A}:oidc-provider/rolegate.example`,
        '--query',
        'ClientIDList',
      ]),
    ).toBe('sts.amazonaws.com');
    for (const signer of ['idp', 'rotated-idp'] as const) {
      const assertion = Buffer.from(
        mintSamlResponse({ signer: testSigner(signer), roles: [`arn:aws:iam::${A}:role/Developer,${SAML}`], sourceIdentity: 'alice' }),
      ).toString('base64');
      const arn = await aws([
        'sts',
        'assume-role-with-saml',
        '--role-arn',
        `arn:aws:iam::${A}:role/Developer`,
        '--principal-arn',
        SAML,
        '--saml-assertion',
        assertion,
        '--query',
        'AssumedRoleUser.Arn',
      ]);
      expect(arn).toMatch(new RegExp(`^arn:aws:sts::${A}:assumed-role/Developer/`));
    }
    const broker = [
      'sts',
      'assume-role',
      '--role-arn',
      `arn:aws:iam::${A}:role/Broker`,
      '--role-session-name',
      'alice',
      '--source-identity',
      'alice',
    ];
    expect(await aws([...broker, '--external-id', 'ext-1', '--query', 'AssumedRoleUser.Arn'])).toBe(
      `arn:aws:sts::${A}:assumed-role/Broker/alice`,
    );
    await expect(aws([...broker, '--external-id', 'wrong'])).rejects.toThrow(/AccessDenied/);
    const revoker = ['sts', 'assume-role', '--role-arn', account.revoker?.roleArn ?? '', '--role-session-name', 'rolegate'];
    expect(await aws([...revoker, '--external-id', 'ext-revoker', '--query', 'AssumedRoleUser.Arn'])).toBe(
      `arn:aws:sts::${A}:assumed-role/rolegate-revoker/rolegate`,
    );
  }, 480_000);
});

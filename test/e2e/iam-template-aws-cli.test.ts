import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRole } from '../../src/domain/access-model.js';
import { renderIamTemplate } from '../../src/domain/iam-template-formats.js';
import { planAccountIam, type TemplateAccount } from '../../src/domain/iam-template.js';
import { startTestSts } from '../support/devstack.js';
import { idpMetadata, mintSamlResponse, testSigner } from '../support/saml/mint-saml-response.js';
import { awsCliSandbox } from '../support/aws-cli.js';

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
  const script = join(dir, 'iam.sh');
  let awsCli: ReturnType<typeof awsCliSandbox>;
  const run = (file: string, args: string[]) => awsCli.run(file, args);
  const aws = (args: string[]) => run(awsCli.wrapper, [...args, '--output', 'text']);

  beforeAll(async () => {
    sts = await startTestSts({ accounts: [{ id: A, users: [{ name: 'admin', accessKeys: [ADMIN] }], roles: [] }] });
    awsCli = awsCliSandbox({ dir, endpointUrl: sts.url, key: ADMIN, env: { ROLEGATE_HUB_PRINCIPAL_ARN: HUB } });
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

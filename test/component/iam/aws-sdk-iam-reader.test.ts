import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSdkIamReader } from '../../../src/adapters/aws-iam/aws-sdk-iam-reader.js';
import { AwsSdkStsGateway } from '../../../src/adapters/aws-sts/aws-sdk-sts-gateway.js';
import type { AwsRole } from '../../../src/domain/access-model.js';
import { RolegateError } from '../../../src/domain/errors.js';
import { diagnoseAccountIam, READER_POLICY } from '../../../src/domain/iam-diagnosis.js';
import { planAccountIam, type TemplateAccount } from '../../../src/domain/iam-template.js';
import { startTestSts } from '../../support/devstack.js';
import { captureLogs } from '../../support/logs.js';
import { idpMetadata, testSigner } from '../../support/saml/mint-saml-response.js';

// The SDK IamReader against the devstack's IAM: an account where nothing is set up gives clear
// findings (and no crash), a reader without permissions is one iam_unreadable finding, IAM
// unreachable is dependency_unavailable.
const HUB_ACCOUNT = '111111111111';
const EMPTY = '333333333333';
const DENIED = '444444444444';
const HUB = { accessKeyId: 'AKIATESTDOCTORHUB001', secretAccessKey: 'doctor-hub-test-secret-0123456789' };
const HUB_ARN = `arn:aws:iam::${HUB_ACCOUNT}:user/rolegate`;
const trustsHub = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: HUB_ARN }, Action: 'sts:AssumeRole' }] };
const accountOf = (id: string): TemplateAccount => ({
  id,
  alias: `a${id.slice(0, 3)}`,
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: `arn:aws:iam::${id}:role/rolegate-revoker`, externalId: 'ext-revoker' },
});
const planOf = (account: TemplateAccount) => {
  const role = (name: string, exchangeMode: AwsRole['exchangeMode'], extra: Partial<AwsRole>): AwsRole => ({
    id: name,
    accountId: account.id,
    name,
    arn: `arn:aws:iam::${account.id}:role/${name}`,
    exchangeMode,
    maxSessionSeconds: 3600,
    description: '',
    ...extra,
  });
  return planAccountIam(
    {
      accounts: [account],
      roles: [
        role('Developer', 'saml', { providerArn: `arn:aws:iam::${account.id}:saml-provider/rolegate` }),
        role('Web', 'web-identity', { providerArn: `arn:aws:iam::${account.id}:oidc-provider/rolegate.example` }),
        role('Broker', 'assume-role', { externalId: 'ext-1' }),
      ],
      mappings: [],
      samlMetadataXml: idpMetadata([testSigner('idp').cert]),
      webIdentityIssuer: 'https://rolegate.example',
      webIdentityAudience: 'sts.amazonaws.com',
      sendsSessionTags: false,
    },
    account,
  );
};
const wantedOf = (plan: ReturnType<typeof planOf>) => ({
  samlProviderArns: plan.samlProviders.map((p) => p.arn),
  oidcProviderArns: plan.oidcProviders.map((p) => p.arn),
  roleNames: plan.roles.map((r) => r.name),
});

describe('the AWS SDK IAM reader on the devstack', () => {
  let sts: Awaited<ReturnType<typeof startTestSts>>;
  const logs = captureLogs();
  const readerFor = (iamUrl: string) =>
    awsSdkIamReader({
      sts: new AwsSdkStsGateway({ logger: logs.logger, credentials: HUB, retryBudgetMs: 2000 }),
      stsEndpointFor: () => ({ region: 'us-east-1', url: sts.url }),
      iamEndpointFor: () => ({ url: iamUrl, region: 'us-east-1' }),
      hubCredentials: HUB,
      requestTimeoutMs: 2000,
    });

  beforeAll(async () => {
    sts = await startTestSts({
      accounts: [
        { id: HUB_ACCOUNT, users: [{ name: 'rolegate', accessKeys: [HUB] }], roles: [] },
        {
          id: EMPTY,
          roles: [
            {
              name: 'rolegate-doctor',
              trustPolicy: trustsHub,
              managedPolicies: 'none',
              inlinePolicies: { 'rolegate-doctor': READER_POLICY },
            },
          ],
        },
        { id: DENIED, roles: [{ name: 'rolegate-doctor', trustPolicy: trustsHub, managedPolicies: 'none' }] },
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await sts.close();
  });

  it('when nothing is set up in the account, then every provider and role is a finding with its fix, the revoker too, and nothing throws', async () => {
    const plan = planOf(accountOf(EMPTY));
    const observed = await readerFor(sts.url).read(plan.account, wantedOf(plan), { roleName: 'rolegate-doctor' });
    expect(observed.unreadable).toBeUndefined();
    expect(observed.revokerAssumable).toMatchObject({ ok: false });
    const findings = diagnoseAccountIam(plan, observed, HUB_ARN);
    expect(findings.map((f) => [f.object, f.kind])).toEqual([
      [`arn:aws:iam::${EMPTY}:saml-provider/rolegate`, 'saml_provider_missing'],
      [`arn:aws:iam::${EMPTY}:oidc-provider/rolegate.example`, 'oidc_provider_missing'],
      ['Broker', 'role_missing'],
      ['Developer', 'role_missing'],
      ['Web', 'role_missing'],
      ['rolegate-revoker', 'role_missing'],
    ]);
    expect(findings.find((f) => f.object === 'Developer')?.fix).toContain("create-role --role-name 'Developer'");
  });

  it('when the reader role may not read IAM, then the account is one iam_unreadable finding naming AccessDenied', async () => {
    const plan = planOf(accountOf(DENIED));
    const observed = await readerFor(sts.url).read(plan.account, wantedOf(plan), { roleName: 'rolegate-doctor' });
    const findings = diagnoseAccountIam(plan, observed, HUB_ARN);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'iam_unreadable', object: `account ${DENIED}` });
    expect(findings[0]?.detail).toMatch(new RegExp(`^cannot read IAM in account ${DENIED}: cannot read IAM: AccessDenied`));
    expect(findings[0]?.fix).toContain('iam:GetSAMLProvider');
  });

  it('when IAM cannot be reached, then the read fails with dependency_unavailable', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const plan = planOf(accountOf(EMPTY));
    const error = await readerFor(`http://127.0.0.1:${String(closed)}`)
      .read(plan.account, wantedOf(plan), { roleName: 'rolegate-doctor' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolegateError);
    expect((error as RolegateError).code).toBe('dependency_unavailable');
    expect((error as RolegateError).message).toMatch(/^AWS IAM is unavailable/);
  });
});

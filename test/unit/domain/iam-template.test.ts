import { parse as parseHcl } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import type { AwsRole, GroupMapping } from '../../../src/domain/access-model.js';
import { planAccountIam, type IamTemplateInput, type TemplateAccount } from '../../../src/domain/iam-template.js';
import { iamTemplateFileName, renderIamTemplate } from '../../../src/domain/iam-template-formats.js';

const account: TemplateAccount = {
  id: '111111111111',
  alias: 'prod',
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: 'arn:aws:iam::111111111111:role/rolegate-revoker', externalId: 'rolegate-7f3a91c2' },
};
const role = (r: Partial<AwsRole> & Pick<AwsRole, 'id' | 'name' | 'exchangeMode'>): AwsRole => ({
  accountId: account.id,
  arn: `arn:aws:iam::111111111111:role/${r.name}`,
  maxSessionSeconds: 3600,
  description: '',
  ...r,
});
const roles: AwsRole[] = [
  role({ id: 'r1', name: 'Developer', exchangeMode: 'saml', providerArn: 'arn:aws:iam::111111111111:saml-provider/rolegate' }),
  role({
    id: 'r2',
    name: 'ReadOnly',
    exchangeMode: 'web-identity',
    providerArn: 'arn:aws:iam::111111111111:oidc-provider/rolegate.corp.example',
  }),
  role({ id: 'r3', name: 'Deploy', exchangeMode: 'assume-role', externalId: 'ext-123', arn: 'arn:aws:iam::111111111111:role/ci/Deploy' }),
];
const mapping = (roleId: string, maxSessionSeconds?: number): GroupMapping => ({
  id: `m-${roleId}-${String(maxSessionSeconds)}`,
  group: 'eng',
  match: 'exact',
  roleId,
  requireMfa: false,
  allowedCidrs: [],
  breakGlass: false,
  ...(maxSessionSeconds === undefined ? {} : { maxSessionSeconds }),
});
const metadata = '<?xml version="1.0"?>\n<md:EntityDescriptor entityID="https://rolegate.corp.example/saml/metadata" a=\'it"s ${x}\'/>';
const input: IamTemplateInput = {
  accounts: [account],
  roles,
  mappings: [mapping('r1', 28_800), mapping('r1', 7200), mapping('r2')],
  samlMetadataXml: metadata,
  webIdentityIssuer: 'https://rolegate.corp.example',
  webIdentityAudience: 'sts.amazonaws.com',
  sendsSessionTags: true,
};

describe('IAM template', () => {
  const plan = planAccountIam(input, account);
  const byName = (name: string) => plan.roles.find((r) => r.name === name);

  it('when a role is mapped with several caps, then MaxSessionDuration covers the longest (at least one hour)', () => {
    expect(byName('Developer')?.maxSessionDuration).toBe(28_800);
    expect(byName('ReadOnly')?.maxSessionDuration).toBe(3600);
  });

  it('when roles use each exchange mode, then each trust policy names its provider, audience or ExternalId, TagSession and SetSourceIdentity', () => {
    expect(byName('Developer')?.trustPolicy.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111111111111:saml-provider/rolegate' },
      Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity', 'sts:TagSession'],
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    });
    expect(byName('ReadOnly')?.trustPolicy.Statement[0]).toMatchObject({
      Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/rolegate.corp.example' },
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity', 'sts:TagSession'],
      Condition: { StringEquals: { 'rolegate.corp.example:aud': 'sts.amazonaws.com' } },
    });
    expect(byName('Deploy')?.trustPolicy.Statement[0]).toMatchObject({
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
      Condition: { StringEquals: { 'sts:ExternalId': 'ext-123' } },
    });
    expect(byName('Deploy')?.path).toBe('/ci/');
  });

  it('when no session tags are configured, then no role asks for sts:TagSession', () => {
    const untagged = planAccountIam({ ...input, sendsSessionTags: false }, account);
    for (const r of untagged.roles) expect(JSON.stringify(r.trustPolicy)).not.toContain('TagSession');
  });

  it('when the account has a revoker, then it is trusted by the hub with the ExternalId and may only edit inline policies of managed roles', () => {
    const revoker = byName('rolegate-revoker');
    expect(revoker?.kind).toBe('revoker');
    expect(revoker?.trustPolicy.Statement[0]?.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'rolegate-7f3a91c2' } });
    expect(revoker?.inlinePolicies[0]?.document.Statement[0]).toEqual({
      Sid: 'RolegateRevocationPolicies',
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
      Resource: [
        'arn:aws:iam::111111111111:role/ci/Deploy',
        'arn:aws:iam::111111111111:role/Developer',
        'arn:aws:iam::111111111111:role/ReadOnly',
      ],
    });
  });

  it('when rendered as CloudFormation, then the JSON holds both providers, every role and the hub parameter', () => {
    const cfn = JSON.parse(renderIamTemplate(plan, 'cloudformation', 'arn:aws:iam::999999999999:role/rolegate')) as {
      Parameters: Record<string, { Default?: string }>;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    expect(cfn.Parameters.RolegateHubPrincipalArn?.Default).toBe('arn:aws:iam::999999999999:role/rolegate');
    const types = Object.values(cfn.Resources).map((r) => r.Type);
    expect(types.sort()).toEqual([
      'AWS::IAM::OIDCProvider',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::Role',
      'AWS::IAM::SAMLProvider',
    ]);
    expect(cfn.Resources.SamlProviderRolegate?.Properties.SamlMetadataDocument).toBe(metadata);
    expect(cfn.Resources.RoleDeploy?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { AWS: { Ref: 'RolegateHubPrincipalArn' } } }],
    });
    expect(cfn.Resources.RoleDeveloper?.Properties.MaxSessionDuration).toBe(28_800);
  });

  it('when rendered as Terraform, then a real HCL parser reads the providers, roles, revoker policy and variable', async () => {
    const tf = (await parseHcl('main.tf', renderIamTemplate(plan, 'terraform'))) as {
      variable: Record<string, unknown[]>;
      resource: Record<string, Record<string, Record<string, unknown>[]>>;
    };
    expect(Object.keys(tf.variable)).toEqual(['rolegate_hub_principal_arn']);
    expect(tf.resource.aws_iam_saml_provider?.saml_provider_rolegate?.[0]?.saml_metadata_document).toBe(metadata);
    expect(tf.resource.aws_iam_openid_connect_provider?.oidc_provider_rolegate_corp_example?.[0]).toMatchObject({
      url: 'https://rolegate.corp.example',
      client_id_list: ['sts.amazonaws.com'],
    });
    expect(Object.keys(tf.resource.aws_iam_role ?? {}).sort()).toEqual([
      'revoker_rolegate_revoker',
      'role_deploy',
      'role_developer',
      'role_read_only',
    ]);
    expect(tf.resource.aws_iam_role?.role_developer?.[0]?.max_session_duration).toBe(28_800);
    expect(String(tf.resource.aws_iam_role?.role_deploy?.[0]?.assume_role_policy)).toContain('var.rolegate_hub_principal_arn');
    expect(Object.keys(tf.resource.aws_iam_role_policy ?? {})).toHaveLength(1);
  });

  it('when rendered as an aws-cli script, then every value is single-quoted and the hub comes from the environment', () => {
    const script = renderIamTemplate(plan, 'aws-cli');
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toContain('HUB="${ROLEGATE_HUB_PRINCIPAL_ARN:?');
    expect(script).toContain(`'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'"\\""$HUB"\\""'}`);
    expect(script).toContain(`a='\\''it"s \${x}'\\''`);
    expect(iamTemplateFileName(plan, 'aws-cli')).toBe('rolegate-iam-prod.sh');
  });
});

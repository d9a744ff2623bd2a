import { describe, expect, it } from 'vitest';
import type { AwsRole } from '../../../src/domain/access-model.js';
import { certificatesInMetadata, diagnoseAccountIam, type ObservedIam } from '../../../src/domain/iam-diagnosis.js';
import { planAccountIam, type IamTemplateInput, type TemplateAccount } from '../../../src/domain/iam-template.js';

const HUB = 'arn:aws:iam::999999999999:role/rolegate';
const account: TemplateAccount = {
  id: '111111111111',
  alias: 'sandbox',
  partition: 'aws',
  region: 'us-east-1',
  revoker: { roleArn: 'arn:aws:iam::111111111111:role/rolegate-revoker', externalId: 'ext-revoker' },
};
const SAML = 'arn:aws:iam::111111111111:saml-provider/rolegate';
const OIDC = 'arn:aws:iam::111111111111:oidc-provider/rolegate.example';
const role = (name: string, exchangeMode: AwsRole['exchangeMode'], extra: Partial<AwsRole> = {}): AwsRole => ({
  id: name,
  accountId: account.id,
  name,
  arn: `arn:aws:iam::111111111111:role/${name}`,
  exchangeMode,
  maxSessionSeconds: 3600,
  description: '',
  ...extra,
});
const input: IamTemplateInput = {
  accounts: [account],
  roles: [
    role('Developer', 'saml', { providerArn: SAML }),
    role('Web', 'web-identity', { providerArn: OIDC }),
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
  samlMetadataXml:
    '<md:EntityDescriptor><ds:X509Certificate>CURRENT</ds:X509Certificate><ds:X509Certificate>NEXT\n</ds:X509Certificate></md:EntityDescriptor>',
  webIdentityIssuer: 'https://rolegate.example',
  webIdentityAudience: 'sts.amazonaws.com',
  sendsSessionTags: false,
};
const plan = planAccountIam(input, account);

/** The world the template describes: what `iam-template` would create. */
function healthy(): ObservedIam {
  const hubbed = (doc: unknown) => JSON.parse(JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'symbol' ? HUB : v))) as unknown;
  return {
    samlProviders: new Map([[SAML, { certificates: ['CURRENT', 'NEXT'] }]]),
    oidcProviders: new Map([[OIDC, { url: 'https://rolegate.example', clientIds: ['sts.amazonaws.com'] }]]),
    roles: new Map(plan.roles.map((r) => [r.name, { trustPolicy: hubbed(r.trustPolicy), maxSessionDuration: r.maxSessionDuration }])),
    revokerAssumable: { ok: true },
  };
}

describe('IAM diagnosis (rolegate doctor)', () => {
  it('when the account holds what the template describes, then there are no findings', () => {
    expect(certificatesInMetadata(input.samlMetadataXml)).toEqual(['CURRENT', 'NEXT']);
    expect(diagnoseAccountIam(plan, healthy(), HUB)).toEqual([]);
  });

  it('when nothing is set up, then each provider and role is named missing with its create command', () => {
    const empty: ObservedIam = { samlProviders: new Map(), oidcProviders: new Map(), roles: new Map() };
    const findings = diagnoseAccountIam(plan, empty, HUB);
    expect(findings.map((f) => `${f.kind} ${f.object}`)).toEqual([
      `saml_provider_missing ${SAML}`,
      `oidc_provider_missing ${OIDC}`,
      'role_missing Broker',
      'role_missing Developer',
      'role_missing Web',
      'role_missing rolegate-revoker',
    ]);
    expect(findings[0]?.fix).toContain("iam create-saml-provider --name 'rolegate'");
    expect(findings[2]?.fix).toContain('"sts:ExternalId":"ext-1"');
  });

  it('when a trust policy is edited by hand, then each breakage is named', () => {
    const world = healthy();
    const roles = new Map(world.roles);
    roles.set('Developer', {
      maxSessionDuration: 3600,
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: SAML },
            Action: 'sts:AssumeRoleWithSAML',
            Condition: { StringEquals: { 'SAML:aud': 'https://evil.example/saml' } },
          },
        ],
      },
    });
    roles.set('Broker', {
      maxSessionDuration: 3600,
      trustPolicy: { Statement: { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::888888888888:root' }, Action: 'sts:AssumeRole' } },
    });
    const findings = diagnoseAccountIam(
      plan,
      {
        ...world,
        roles,
        samlProviders: new Map([[SAML, { certificates: ['CURRENT'] }]]),
        revokerAssumable: { ok: false, error: 'AccessDenied' },
      },
      HUB,
    );
    expect(findings.map((f) => `${f.kind} ${f.object}`)).toEqual([
      `saml_provider_lacks_certificate ${SAML}`,
      'trust_principal_missing Broker',
      'trust_action_missing Developer',
      'trust_condition_wrong Developer',
      'max_session_too_short Developer',
      'revoker_not_assumable rolegate-revoker',
    ]);
    expect(findings.find((f) => f.kind === 'trust_condition_wrong')?.detail).toBe(
      'StringEquals SAML:aud should be https://signin.aws.amazon.com/saml, is https://evil.example/saml',
    );
    expect(findings.find((f) => f.kind === 'max_session_too_short')?.fix).toContain('--max-session-duration 14400');
  });

  it('when the account cannot be read, then that is the one finding (nothing is reported missing), with the read-only policy as its fix', () => {
    const findings = diagnoseAccountIam(plan, { ...healthy(), unreadable: 'AccessDenied: not authorized to perform iam:GetRole' }, HUB);
    expect(findings).toEqual([
      {
        accountId: '111111111111',
        object: 'account 111111111111',
        kind: 'iam_unreadable',
        detail: 'cannot read IAM in account 111111111111: AccessDenied: not authorized to perform iam:GetRole',
        fix: expect.stringContaining(
          '"Action":["iam:GetRole","iam:GetSAMLProvider","iam:ListSAMLProviders","iam:GetOpenIDConnectProvider"]',
        ) as string,
      },
    ]);
  });
});

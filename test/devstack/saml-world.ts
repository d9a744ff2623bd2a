import type { DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { idpMetadata, testSigner } from '../support/saml/mint-saml-response.js';

export const SANDBOX = '111111111111';
export const OTHER = '222222222222';
export const DISABLED = '333333333333';
export const PROVIDER = `arn:aws:iam::${SANDBOX}:saml-provider/test-idp`;
export const role = (name: string, account = SANDBOX) => `arn:aws:iam::${account}:role/${name}`;
export const pair = (roleName: string, account = SANDBOX, provider = PROVIDER) => `${role(roleName, account)},${provider}`;

const samlTrust = (provider: string, actions: string[], extra: Record<string, unknown> = {}) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: provider },
      Action: actions,
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' }, ...extra },
    },
  ],
});

const ALL = ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity'];

/** A world for SAML tests: one provider per account, roles that prove one rule each. */
export function samlWorld(
  metadata: { xml: string } | { url: string } | { file: string } = { xml: idpMetadata([testSigner('idp').cert]) },
): DevstackConfigInput {
  return {
    accounts: [
      {
        id: SANDBOX,
        samlProviders: [{ name: 'test-idp', metadata }],
        roles: [
          { name: 'Developer', maxSessionDuration: 43200, trustPolicy: samlTrust(PROVIDER, ALL) },
          { name: 'OneHour', trustPolicy: samlTrust(PROVIDER, ALL) },
          { name: 'NoTagsNoSourceIdentity', trustPolicy: samlTrust(PROVIDER, ['sts:AssumeRoleWithSAML']) },
          { name: 'TrustsAnotherProvider', trustPolicy: samlTrust(`arn:aws:iam::${SANDBOX}:saml-provider/someone-else`, ALL) },
          {
            name: 'RegionalOnly',
            trustPolicy: JSON.stringify(samlTrust(PROVIDER, ALL)).replace('https://signin', 'https://eu-west-1.signin'),
          },
          {
            name: 'EngineersOnly',
            trustPolicy: samlTrust(PROVIDER, ALL, { StringLike: { 'aws:RequestTag/department': 'eng*' } }),
          },
          {
            name: 'DenyContractors',
            trustPolicy: {
              Version: '2012-10-17',
              Statement: [
                ...samlTrust(PROVIDER, ALL).Statement,
                {
                  Effect: 'Deny',
                  Principal: '*',
                  Action: 'sts:*',
                  Condition: { StringEquals: { 'aws:RequestTag/employment': 'contractor' } },
                },
              ],
            },
          },
        ],
      },
      {
        id: OTHER,
        samlProviders: [{ name: 'test-idp', metadata }],
        roles: [{ name: 'Developer', trustPolicy: samlTrust(`arn:aws:iam::${OTHER}:saml-provider/test-idp`, ALL) }],
      },
      {
        id: DISABLED,
        disabledRegions: ['us-east-1'],
        samlProviders: [{ name: 'test-idp', metadata }],
        roles: [{ name: 'Developer', trustPolicy: samlTrust(`arn:aws:iam::${DISABLED}:saml-provider/test-idp`, ALL) }],
      },
    ],
  };
}

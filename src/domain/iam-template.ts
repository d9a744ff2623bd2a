/**
 * IAM setup as code (docs/exchange.md#iam-setup-as-code): from the access model and rolegate's
 * own issuer metadata, everything one AWS account needs for every exchange rolegate makes into
 * it — the SAML and OIDC providers, each role with the trust policy its exchange mode needs, and
 * the revoker role. Pure: `planAccountIam` decides, `render*` only spell the plan in a format.
 *
 * AWS references: trust policies for SAML federation
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html), for OIDC
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html), session
 * tags (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required),
 * source identity (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html).
 */
import type { AwsAccount, AwsRole, GroupMapping } from './access-model.js';
import { parseProviderArn, parseRoleArn } from './arn.js';
import { samlRecipientsFor } from './partitions.js';

export type IamTemplateFormat = 'cloudformation' | 'terraform' | 'aws-cli';
export const IAM_TEMPLATE_FORMATS: readonly IamTemplateFormat[] = ['cloudformation', 'terraform', 'aws-cli'];

/** The ARN of rolegate's own AWS identity, where a policy names it; each format turns it into its own parameter. */
export const HUB_PRINCIPAL = Symbol('rolegate hub principal');
export type PolicyValue = string | typeof HUB_PRINCIPAL | PolicyValue[] | { [key: string]: PolicyValue };
export type PolicyDocument = { Version: '2012-10-17'; Statement: Record<string, PolicyValue>[] };

/** An account as the template reads it; `revoker` is set where revocation reaches AWS. */
export type TemplateAccount = AwsAccount & { revoker?: { roleArn: string; externalId: string } };

export interface IamTemplateInput {
  accounts: readonly TemplateAccount[];
  roles: readonly AwsRole[];
  mappings: readonly GroupMapping[];
  /** rolegate's SAML IdP metadata, with every published certificate (the staged next key too). */
  samlMetadataXml: string;
  /** The web-identity issuer URL (`iss`) and the audience (`aud`) rolegate mints for. */
  webIdentityIssuer: string;
  webIdentityAudience: string;
  /** Whether rolegate sends session tags (sessionTags configured): roles then need sts:TagSession. */
  sendsSessionTags: boolean;
}

export interface PlannedRole {
  /** Stable resource name inside a template (letters and digits). */
  logicalId: string;
  name: string;
  path: string;
  arn: string;
  maxSessionDuration: number;
  trustPolicy: PolicyDocument;
  /** Inline policies (the revoker's permissions). */
  inlinePolicies: { name: string; document: PolicyDocument }[];
  kind: 'exchange' | 'revoker';
  exchangeMode?: AwsRole['exchangeMode'];
}

export interface AccountIamPlan {
  account: TemplateAccount;
  samlProviders: { logicalId: string; name: string; arn: string; metadataXml: string }[];
  oidcProviders: { logicalId: string; arn: string; url: string; clientIds: string[]; thumbprint?: OidcThumbprint }[];
  roles: PlannedRole[];
  /** Whether any policy names rolegate's own identity (assume-role roles, the revoker). */
  needsHubPrincipal: boolean;
}

/**
 * The thumbprint an OIDC provider is created with: the SHA-1 (40 lower-case hex digits) of the top
 * intermediate CA certificate of the issuer's TLS chain, read from the issuer when the template is
 * made, or given by the operator; else a placeholder of zeros, with the reason (a plain-http issuer,
 * as the devstack's, has no certificate). IAM ignores it for issuers whose certificate comes from a
 * CA it trusts, but older AWS CLIs require one.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
 */
export type OidcThumbprint =
  | { value: string; source: 'issuer-certificate' }
  | { value: string; source: 'operator' }
  | { value: typeof PLACEHOLDER_THUMBPRINT; source: 'placeholder'; reason: string };
export const PLACEHOLDER_THUMBPRINT = '0000000000000000000000000000000000000000';
export const THUMBPRINT_PATTERN = /^[0-9a-fA-F]{40}$/;

/** What a plan's OIDC provider is created with (the placeholder when nothing better is known). */
export function thumbprintOf(provider: AccountIamPlan['oidcProviders'][number]): OidcThumbprint {
  return provider.thumbprint ?? { value: PLACEHOLDER_THUMBPRINT, source: 'placeholder', reason: 'no thumbprint was determined' };
}

/** One sentence per provider created with a placeholder thumbprint, for the operator. */
export function thumbprintNotes(plan: AccountIamPlan): string[] {
  return plan.oidcProviders.flatMap((p) => {
    const t = thumbprintOf(p);
    return t.source === 'placeholder'
      ? [
          `the OIDC provider ${p.url} is created with a placeholder thumbprint (${t.value}): ${t.reason}; pass --thumbprint (or set ROLEGATE_OIDC_THUMBPRINT when running an aws-cli script) with the SHA-1 of the issuer's top intermediate CA certificate`,
        ]
      : [];
  });
}

/** The inline policy name of the revoker's permissions. */
export const REVOKER_POLICY_NAME = 'rolegate-revoker';
export const REVOKER_ACTIONS = ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'];

const MIN_MAX_SESSION = 3600;
const MAX_MAX_SESSION = 43_200;

/** The role's MaxSessionDuration: at least the role's own and every mapping's cap, within IAM's 1–12 hours. */
export function maxSessionDurationFor(role: AwsRole, mappings: readonly GroupMapping[]): number {
  const caps = mappings.filter((m) => m.roleId === role.id).map((m) => m.maxSessionSeconds ?? role.maxSessionSeconds);
  return Math.min(MAX_MAX_SESSION, Math.max(MIN_MAX_SESSION, role.maxSessionSeconds, ...caps));
}

/** The OIDC provider's `<host/path>` as IAM names it (and as condition keys are prefixed). */
export function oidcProviderIdOf(issuerUrl: string): string {
  const url = new URL(issuerUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The trust policy a role needs for the exchange rolegate makes into it. */
export function trustPolicyFor(role: AwsRole, account: AwsAccount, input: IamTemplateInput): PolicyDocument {
  const extra = ['sts:SetSourceIdentity', ...(input.sendsSessionTags ? ['sts:TagSession'] : [])];
  switch (role.exchangeMode) {
    case 'saml':
      return statement({ Federated: role.providerArn ?? '' }, ['sts:AssumeRoleWithSAML', ...extra], {
        StringEquals: { 'SAML:aud': single(samlRecipientsFor(account.partition, account.region)) },
      });
    case 'web-identity':
      return statement({ Federated: role.providerArn ?? '' }, ['sts:AssumeRoleWithWebIdentity', ...extra], {
        StringEquals: { [`${oidcProviderIdOf(input.webIdentityIssuer)}:aud`]: input.webIdentityAudience },
      });
    case 'assume-role':
      return statement(
        { AWS: HUB_PRINCIPAL },
        ['sts:AssumeRole', ...extra],
        role.externalId === undefined ? undefined : { StringEquals: { 'sts:ExternalId': role.externalId } },
      );
  }
}

/** Everything one account needs. */
export function planAccountIam(input: IamTemplateInput, account: TemplateAccount): AccountIamPlan {
  const roles = input.roles.filter((r) => r.accountId === account.id).sort((a, b) => a.name.localeCompare(b.name));
  const samlArns = [...new Set(roles.filter((r) => r.exchangeMode === 'saml' && r.providerArn).map((r) => r.providerArn ?? ''))];
  const oidcArns = [...new Set(roles.filter((r) => r.exchangeMode === 'web-identity' && r.providerArn).map((r) => r.providerArn ?? ''))];
  const planned: PlannedRole[] = roles.map((role) => {
    const parsed = parseRoleArn(role.arn);
    return {
      logicalId: logicalId('Role', role.name),
      name: role.name,
      path: parsed.ok ? parsed.value.path || '/' : '/',
      arn: role.arn,
      maxSessionDuration: maxSessionDurationFor(role, input.mappings),
      trustPolicy: trustPolicyFor(role, account, input),
      inlinePolicies: [],
      kind: 'exchange',
      exchangeMode: role.exchangeMode,
    };
  });
  if (account.revoker) {
    const parsed = parseRoleArn(account.revoker.roleArn);
    const name = parsed.ok ? parsed.value.name : 'rolegate-revoker';
    planned.push({
      logicalId: logicalId('Revoker', name),
      name,
      path: parsed.ok ? parsed.value.path || '/' : '/',
      arn: account.revoker.roleArn,
      maxSessionDuration: MIN_MAX_SESSION,
      trustPolicy: statement({ AWS: HUB_PRINCIPAL }, ['sts:AssumeRole'], {
        StringEquals: { 'sts:ExternalId': account.revoker.externalId },
      }),
      inlinePolicies: [
        {
          name: REVOKER_POLICY_NAME,
          document: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'RolegateRevocationPolicies',
                Effect: 'Allow',
                Action: REVOKER_ACTIONS,
                Resource: single(roles.map((r) => r.arn)),
              },
            ],
          },
        },
      ],
      kind: 'revoker',
    });
  }
  return {
    account,
    samlProviders: samlArns.map((arn) => {
      const parsed = parseProviderArn(arn);
      const name = parsed.ok ? parsed.value.name : arn.slice(arn.lastIndexOf('/') + 1);
      return { logicalId: logicalId('SamlProvider', name), name, arn, metadataXml: input.samlMetadataXml };
    }),
    oidcProviders: oidcArns.map((arn) => ({
      logicalId: logicalId('OidcProvider', oidcProviderIdOf(input.webIdentityIssuer)),
      arn,
      url: input.webIdentityIssuer.replace(/\/+$/, ''),
      clientIds: [input.webIdentityAudience],
    })),
    roles: planned,
    needsHubPrincipal: planned.some((r) => r.kind === 'revoker' || r.exchangeMode === 'assume-role'),
  };
}

function statement(principal: Record<string, PolicyValue>, actions: string[], condition?: Record<string, PolicyValue>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: actions, ...(condition ? { Condition: condition } : {}) }],
  };
}

function single(values: string[]): PolicyValue {
  return values.length === 1 ? (values[0] ?? '') : values;
}

function logicalId(prefix: string, name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  return prefix + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

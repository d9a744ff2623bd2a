import type { ExchangeMode, Partition } from './access-model.js';
import { isPartition } from './partitions.js';

/**
 * IAM ARNs rolegate names toward AWS. Formats: IAM user guide "IAM
 * identifiers" (reference_identifiers.html) and the CreateRole /
 * CreateSAMLProvider / CreateOpenIDConnectProvider API references.
 */

export interface RoleArn {
  arn: string;
  partition: Partition;
  accountId: string;
  /** `/` or `/a/b/`. */
  path: string;
  name: string;
}

export interface ProviderArn {
  arn: string;
  partition: Partition;
  accountId: string;
  kind: 'saml' | 'oidc';
  /** SAML provider name, or the OIDC issuer host and path (`token.example.com/path`). */
  name: string;
}

export type ArnResult<T> = { ok: true; value: T } | { ok: false; error: string };

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// Path: `/` alone or `/segment/…/`, printable ASCII without spaces (U+0021–U+007E), ≤ 512 chars.
const ROLE_PATH = /^\/(?:[\x21-\x2e\x30-\x7e]+\/)*$/;
const SAML_PROVIDER_NAME = /^[\w.-]{1,128}$/;
const OIDC_PROVIDER_NAME = /^[a-z0-9.-]+(:\d{1,5})?(\/[\x21-\x7e]*)?$/i;

/** Parses `arn:<partition>:iam::<account>:role[/path]/<name>`. */
export function parseRoleArn(arn: string): ArnResult<RoleArn> {
  const head = iamHead(arn);
  if (!head.ok) return head;
  const { partition, accountId, resource } = head.value;
  if (!resource.startsWith('role/')) return fail(arn, 'is not a role ARN (expected ":role/<name>")');
  const rest = resource.slice('role'.length);
  const slash = rest.lastIndexOf('/');
  const path = rest.slice(0, slash + 1);
  const name = rest.slice(slash + 1);
  if (path.length > 512 || !ROLE_PATH.test(path)) return fail(arn, 'has an invalid role path');
  if (!ROLE_NAME.test(name)) return fail(arn, 'has an invalid role name (1-64 characters of [A-Za-z0-9+=,.@_-])');
  return { ok: true, value: { arn, partition, accountId, path, name } };
}

/** Parses `arn:<partition>:iam::<account>:saml-provider/<name>` or `…:oidc-provider/<host/path>`. */
export function parseProviderArn(arn: string): ArnResult<ProviderArn> {
  const head = iamHead(arn);
  if (!head.ok) return head;
  const { partition, accountId, resource } = head.value;
  if (resource.startsWith('saml-provider/')) {
    const name = resource.slice('saml-provider/'.length);
    if (!SAML_PROVIDER_NAME.test(name)) return fail(arn, 'has an invalid SAML provider name (1-128 characters of [A-Za-z0-9._-])');
    return { ok: true, value: { arn, partition, accountId, kind: 'saml', name } };
  }
  if (resource.startsWith('oidc-provider/')) {
    const name = resource.slice('oidc-provider/'.length);
    if (name.length > 1000 || !OIDC_PROVIDER_NAME.test(name))
      return fail(arn, 'has an invalid OIDC provider (expected the issuer host and path)');
    return { ok: true, value: { arn, partition, accountId, kind: 'oidc', name } };
  }
  return fail(arn, 'is not a SAML or OIDC provider ARN');
}

/**
 * Checks a role and the provider it names toward AWS: same partition and
 * account (AWS refuses a provider from another account), and the provider kind
 * the exchange mode needs. `assume-role` needs no provider.
 */
export function checkRoleProvider(
  mode: ExchangeMode,
  roleArn: string,
  providerArn: string | undefined,
): ArnResult<{ role: RoleArn; provider?: ProviderArn }> {
  const role = parseRoleArn(roleArn);
  if (!role.ok) return role;
  if (mode === 'assume-role') return { ok: true, value: { role: role.value } };
  const wanted = mode === 'saml' ? 'saml' : 'oidc';
  if (providerArn === undefined || providerArn === '') {
    return { ok: false, error: `role ${roleArn} uses ${mode} but names no ${wanted === 'saml' ? 'SAML' : 'OIDC'} provider ARN` };
  }
  const provider = parseProviderArn(providerArn);
  if (!provider.ok) return provider;
  if (provider.value.kind !== wanted)
    return fail(providerArn, `is an ${provider.value.kind.toUpperCase()} provider but the role uses ${mode}`);
  if (provider.value.partition !== role.value.partition) {
    return fail(providerArn, `is in partition ${provider.value.partition} but the role is in ${role.value.partition}`);
  }
  if (provider.value.accountId !== role.value.accountId) {
    return fail(providerArn, `is in account ${provider.value.accountId} but the role is in ${role.value.accountId}`);
  }
  return { ok: true, value: { role: role.value, provider: provider.value } };
}

function iamHead(arn: string): ArnResult<{ partition: Partition; accountId: string; resource: string }> {
  if (arn.length > 2048) return fail(arn.slice(0, 40) + '…', 'is longer than 2048 characters');
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return fail(arn, 'is not an ARN');
  const [, partition = '', service, region, accountId = ''] = parts;
  const resource = parts.slice(5).join(':');
  if (!isPartition(partition)) return fail(arn, `has an unknown partition "${partition}" (expected aws, aws-us-gov or aws-cn)`);
  if (service !== 'iam') return fail(arn, 'is not an IAM ARN');
  if (region !== '') return fail(arn, 'has a region, but IAM ARNs have none');
  if (!ACCOUNT_ID.test(accountId)) return fail(arn, 'has an invalid account id (12 digits)');
  return { ok: true, value: { partition, accountId, resource } };
}

function fail<T>(arn: string, reason: string): ArnResult<T> {
  return { ok: false, error: `${arn} ${reason}` };
}

export interface PolicyArn {
  arn: string;
  partition: Partition;
  /** 12 digits for a customer managed policy, `aws` for an AWS managed one. */
  accountId: string;
  name: string;
}

// Policy path and name as in CreatePolicy: the name is 1-128 characters of [\w+=,.@-].
const POLICY_RESOURCE = /^policy(\/(?:[\x21-\x2e\x30-\x7e]+\/)*)?([\w+=,.@-]{1,128})$/;

/** Parses a managed policy ARN, `arn:<partition>:iam::<account>|aws:policy[/path]/<name>` (sessionPolicyArns). */
export function parsePolicyArn(arn: string): ArnResult<PolicyArn> {
  if (arn.length < 20 || arn.length > 2048) return fail(arn.slice(0, 40), 'must be 20-2048 characters long');
  const parts = arn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn') return fail(arn, 'is not an ARN');
  const [, partition = '', service, region, accountId = '', resource = ''] = parts;
  if (!isPartition(partition)) return fail(arn, `has an unknown partition "${partition}" (expected aws, aws-us-gov or aws-cn)`);
  if (service !== 'iam') return fail(arn, 'is not an IAM ARN');
  if (region !== '') return fail(arn, 'has a region, but IAM ARNs have none');
  if (accountId !== 'aws' && !ACCOUNT_ID.test(accountId)) return fail(arn, 'has an invalid account id (12 digits, or aws for an AWS managed policy)');
  const match = POLICY_RESOURCE.exec(resource);
  if (!match) return fail(arn, 'is not a managed policy ARN (expected ":policy/<name>")');
  return { ok: true, value: { arn, partition, accountId, name: match[2] ?? '' } };
}

import type { AwsAccount, AwsRole } from '../../domain/access-model.js';
import type { IamReader } from '../../ports/iam-reader.js';

export interface NextKeyCheckDeps {
  access: { listAccounts(): Promise<AwsAccount[]>; listRoles(): Promise<AwsRole[]> };
  reader: IamReader;
}

/**
 * What stands in the way of promoting the next SAML signing key (docs/exchange.md#rotating-generated-keys):
 * every IAM SAML provider the access model's `saml` roles name must already hold the next key's
 * certificate (base64 DER), or AWS refuses every assertion signed with it. One line per provider
 * that lacks it, is missing, or cannot be read; empty when promoting is safe.
 */
export async function providersLackingNextKey(deps: NextKeyCheckDeps, certificate: string, readerRoleName?: string): Promise<string[]> {
  const [accounts, roles] = await Promise.all([deps.access.listAccounts(), deps.access.listRoles()]);
  const problems: string[] = [];
  for (const account of accounts) {
    const arns = [
      ...new Set(
        roles.filter((r) => r.accountId === account.id && r.exchangeMode === 'saml' && r.providerArn).map((r) => r.providerArn ?? ''),
      ),
    ].sort();
    if (arns.length === 0) continue;
    // Only the providers are read: the revoker check is doctor's, not the rotation's.
    const observed = await deps.reader.read(
      { ...account, revoker: undefined },
      { samlProviderArns: arns, oidcProviderArns: [], roleNames: [] },
      readerRoleName === undefined ? {} : { roleName: readerRoleName },
    );
    if (observed.unreadable !== undefined) {
      problems.push(`${account.alias} (${account.id}): cannot verify its SAML providers: ${observed.unreadable}`);
      continue;
    }
    for (const arn of arns) {
      const seen = observed.samlProviders.get(arn);
      if (!seen) problems.push(`${arn}: the SAML provider does not exist`);
      else if (!seen.certificates.includes(certificate)) problems.push(`${arn}: lacks the next key's certificate`);
    }
  }
  return problems;
}

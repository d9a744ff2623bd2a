import type { IamTemplateQuery, IamTemplateResponse } from '../../contracts/iam-template.js';
import type { AwsAccount, AwsRole, GroupMapping } from '../../domain/access-model.js';
import { RolegateError } from '../../domain/errors.js';
import { iamTemplateFileName, renderIamTemplate } from '../../domain/iam-template-formats.js';
import {
  PLACEHOLDER_THUMBPRINT,
  planAccountIam,
  thumbprintNotes,
  type AccountIamPlan,
  type IamTemplateInput,
  type OidcThumbprint,
} from '../../domain/iam-template.js';
import type { IssuerMetadata } from '../../ports/assertion-issuer.js';
import type { IssuerCertificateReader } from '../../ports/issuer-certificate.js';

/** What IAM setup as code reads: the live access model and rolegate's issuer metadata (wired in composition/admin.ts). */
export interface IamTemplateDeps {
  access: { listAccounts(): Promise<AwsAccount[]>; listRoles(): Promise<AwsRole[]>; listMappings(): Promise<GroupMapping[]> };
  issuerMetadata: IssuerMetadata;
  webIdentityAudience: string;
  /** Whether session tags are configured (sessionTags.*): trust policies then allow sts:TagSession. */
  sendsSessionTags: boolean;
  /** Reads the https issuer's certificate chain for the OIDC provider's thumbprint. */
  issuerCertificate: IssuerCertificateReader;
}

/** The template input for the live model: every published SAML certificate (the staged next key too). */
export async function iamTemplateInput(deps: IamTemplateDeps): Promise<IamTemplateInput> {
  const [accounts, roles, mappings, samlMetadataXml, openid] = await Promise.all([
    deps.access.listAccounts(),
    deps.access.listRoles(),
    deps.access.listMappings(),
    deps.issuerMetadata.samlMetadata(),
    deps.issuerMetadata.openidConfiguration(),
  ]);
  return {
    accounts,
    roles,
    mappings,
    samlMetadataXml,
    webIdentityIssuer: openid.issuer,
    webIdentityAudience: deps.webIdentityAudience,
    sendsSessionTags: deps.sendsSessionTags,
  };
}

/** The plans of one account (id or alias) or of all; an unknown account is 404. */
export function plansFor(input: IamTemplateInput, account: string | undefined): AccountIamPlan[] {
  const accounts = account === undefined ? input.accounts : input.accounts.filter((a) => a.id === account || a.alias === account);
  if (account !== undefined && accounts.length === 0)
    throw new RolegateError('not_found', { detail: `No account ${account.slice(0, 200)} in the access model` });
  return [...accounts].sort((a, b) => a.alias.localeCompare(b.alias)).map((a) => planAccountIam(input, a));
}

/**
 * The OIDC provider's thumbprint: the operator's, else read from the https issuer's TLS chain,
 * else a placeholder with the reason (a plain-http issuer, or a certificate that cannot be read:
 * the template is still made, and says so).
 */
export async function providerThumbprint(deps: IamTemplateDeps, issuer: string, operator: string | undefined): Promise<OidcThumbprint> {
  if (operator !== undefined) return { value: operator.toLowerCase(), source: 'operator' };
  if (!issuer.startsWith('https://'))
    return {
      value: PLACEHOLDER_THUMBPRINT,
      source: 'placeholder',
      reason: `the issuer ${issuer} is plain http (the devstack, a loopback test issuer) and has no TLS certificate; AWS only accepts https issuers`,
    };
  try {
    return { value: await deps.issuerCertificate.topIntermediateThumbprint(issuer), source: 'issuer-certificate' };
  } catch (error) {
    return {
      value: PLACEHOLDER_THUMBPRINT,
      source: 'placeholder',
      reason: `the TLS certificate of ${issuer} could not be read (${(error as Error).message})`,
    };
  }
}

/** GET /api/v1/admin/iam-template: everything each account needs in IAM, as CloudFormation, Terraform or an AWS CLI script. */
export async function iamTemplates(deps: IamTemplateDeps, query: IamTemplateQuery): Promise<IamTemplateResponse> {
  const input = await iamTemplateInput(deps);
  let plans = plansFor(input, query.account);
  if (plans.some((p) => p.oidcProviders.length > 0)) {
    const thumbprint = await providerThumbprint(deps, input.webIdentityIssuer, query.thumbprint);
    plans = plans.map((plan) => ({ ...plan, oidcProviders: plan.oidcProviders.map((p) => ({ ...p, thumbprint })) }));
  }
  return {
    format: query.format,
    documents: plans.map((plan) => ({
      accountId: plan.account.id,
      alias: plan.account.alias,
      fileName: iamTemplateFileName(plan, query.format),
      content: renderIamTemplate(plan, query.format, query.hubPrincipal),
      notes: thumbprintNotes(plan),
    })),
  };
}

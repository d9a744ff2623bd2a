/**
 * Spells an account's IAM plan (iam-template.ts) as a CloudFormation template (JSON), Terraform
 * (HCL, hashicorp/aws provider) or a shell script of AWS CLI calls. Each names rolegate's own AWS
 * identity through its own parameter: the `RolegateHubPrincipalArn` stack parameter, the
 * `rolegate_hub_principal_arn` variable, the `ROLEGATE_HUB_PRINCIPAL_ARN` environment variable.
 */
import { HUB_PRINCIPAL, thumbprintOf, type AccountIamPlan, type IamTemplateFormat, type PolicyValue } from './iam-template.js';

export function renderIamTemplate(plan: AccountIamPlan, format: IamTemplateFormat, hubPrincipalArn?: string): string {
  switch (format) {
    case 'cloudformation':
      return renderCloudFormation(plan, hubPrincipalArn);
    case 'terraform':
      return renderTerraform(plan, hubPrincipalArn);
    case 'aws-cli':
      return renderAwsCli(plan, hubPrincipalArn);
  }
}

/** The file name a template of this account is written to (`rolegate iam-template --all --out-dir`). */
export function iamTemplateFileName(plan: AccountIamPlan, format: IamTemplateFormat): string {
  const ext = format === 'cloudformation' ? 'cfn.json' : format === 'terraform' ? 'tf' : 'sh';
  return `rolegate-iam-${plan.account.alias.replace(/[^A-Za-z0-9._-]/g, '_')}.${ext}`;
}

function mapPolicy(value: PolicyValue, hub: (v: typeof HUB_PRINCIPAL) => unknown): unknown {
  if (value === HUB_PRINCIPAL) return hub(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => mapPolicy(v, hub));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapPolicy(v, hub)]));
}

const asValue = (doc: object): PolicyValue => doc as unknown as PolicyValue;

// --- CloudFormation (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html)

function renderCloudFormation(plan: AccountIamPlan, hub?: string): string {
  const resources: Record<string, unknown> = {};
  for (const p of plan.samlProviders)
    resources[p.logicalId] = { Type: 'AWS::IAM::SAMLProvider', Properties: { Name: p.name, SamlMetadataDocument: p.metadataXml } };
  for (const p of plan.oidcProviders)
    resources[p.logicalId] = {
      Type: 'AWS::IAM::OIDCProvider',
      Properties: { Url: p.url, ClientIdList: p.clientIds, ...knownThumbprint(p, (t) => ({ ThumbprintList: [t] })) },
    };
  for (const r of plan.roles) {
    const ref = () => ({ Ref: 'RolegateHubPrincipalArn' });
    resources[r.logicalId] = {
      Type: 'AWS::IAM::Role',
      ...(r.kind === 'exchange' && plan.samlProviders.length + plan.oidcProviders.length > 0
        ? { DependsOn: [...plan.samlProviders, ...plan.oidcProviders].map((p) => p.logicalId) }
        : {}),
      Properties: {
        RoleName: r.name,
        Path: r.path,
        MaxSessionDuration: r.maxSessionDuration,
        AssumeRolePolicyDocument: mapPolicy(asValue(r.trustPolicy), ref),
        ...(r.inlinePolicies.length > 0
          ? { Policies: r.inlinePolicies.map((p) => ({ PolicyName: p.name, PolicyDocument: mapPolicy(asValue(p.document), ref) })) }
          : {}),
      },
    };
  }
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `rolegate: IAM for account ${plan.account.alias} (${plan.account.id})`,
    ...(plan.needsHubPrincipal
      ? {
          Parameters: {
            RolegateHubPrincipalArn: {
              Type: 'String',
              Description: "ARN of rolegate's own AWS identity (assume-role roles, the revoker)",
              ...(hub ? { Default: hub } : {}),
            },
          },
        }
      : {}),
    Resources: resources,
  };
  return `${JSON.stringify(template, null, 2)}\n`;
}

// --- Terraform (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role)

function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, '$${')
    .replace(/%\{/g, '%%{');
  return `"${escaped}"`;
}

function hclValue(value: unknown, indent: string): string {
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number') return String(value);
  if (value === HUB_PRINCIPAL) return 'var.rolegate_hub_principal_arn';
  if (Array.isArray(value)) return `[${value.map((v) => hclValue(v, indent)).join(', ')}]`;
  const inner = `${indent}  `;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${inner}${hclString(k)} = ${hclValue(v, inner)}`);
  return `{\n${entries.join('\n')}\n${indent}}`;
}

const tfName = (logicalId: string) => logicalId.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function renderTerraform(plan: AccountIamPlan, hub?: string): string {
  const blocks: string[] = [
    `# rolegate: IAM for account ${plan.account.alias} (${plan.account.id})`,
    `terraform {\n  required_providers {\n    aws = {\n      source = "hashicorp/aws"\n    }\n  }\n}`,
  ];
  if (plan.needsHubPrincipal)
    blocks.push(
      `variable "rolegate_hub_principal_arn" {\n  type        = string\n  description = "ARN of rolegate's own AWS identity (assume-role roles, the revoker)"\n${hub ? `  default     = ${hclString(hub)}\n` : ''}}`,
    );
  for (const p of plan.samlProviders)
    blocks.push(
      `resource "aws_iam_saml_provider" "${tfName(p.logicalId)}" {\n  name                   = ${hclString(p.name)}\n  saml_metadata_document = ${hclString(p.metadataXml)}\n}`,
    );
  for (const p of plan.oidcProviders)
    blocks.push(
      `resource "aws_iam_openid_connect_provider" "${tfName(p.logicalId)}" {\n  url            = ${hclString(p.url)}\n  client_id_list = ${hclValue(p.clientIds, '  ')}\n${thumbprintOf(p).source === 'placeholder' ? '' : `  thumbprint_list = [${hclString(thumbprintOf(p).value)}]\n`}}`,
    );
  const providers = [
    ...plan.samlProviders.map((p) => `aws_iam_saml_provider.${tfName(p.logicalId)}`),
    ...plan.oidcProviders.map((p) => `aws_iam_openid_connect_provider.${tfName(p.logicalId)}`),
  ];
  for (const r of plan.roles) {
    const name = tfName(r.logicalId);
    const dependsOn = r.kind === 'exchange' && providers.length > 0 ? `  depends_on           = [${providers.join(', ')}]\n` : '';
    blocks.push(
      `resource "aws_iam_role" "${name}" {\n  name                 = ${hclString(r.name)}\n  path                 = ${hclString(r.path)}\n  max_session_duration = ${String(r.maxSessionDuration)}\n  assume_role_policy   = jsonencode(${hclValue(r.trustPolicy, '  ')})\n${dependsOn}}`,
    );
    for (const p of r.inlinePolicies)
      blocks.push(
        `resource "aws_iam_role_policy" "${name}_${tfName(p.name.replace(/-/g, '_'))}" {\n  name   = ${hclString(p.name)}\n  role   = aws_iam_role.${name}.name\n  policy = jsonencode(${hclValue(p.document, '  ')})\n}`,
      );
  }
  return `${blocks.join('\n\n')}\n`;
}

// --- AWS CLI (https://awscli.amazonaws.com/v2/documentation/api/latest/reference/iam/index.html)

/** A shell word in single quotes: nothing inside is expanded. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** JSON with the hub principal spliced in from "$HUB" (the rest single-quoted). */
function shellJson(value: PolicyValue): string {
  const marker = '\u0000HUB\u0000';
  const json = JSON.stringify(mapPolicy(value, () => marker));
  return json
    .split(JSON.stringify(marker))
    .map((part) => shellQuote(part))
    .join('"\\""$HUB"\\""');
}

function renderAwsCli(plan: AccountIamPlan, hub?: string): string {
  const lines = [
    '#!/bin/sh',
    `# rolegate: IAM for account ${plan.account.alias} (${plan.account.id}). Idempotent: creates what is missing, updates the rest.`,
    '# Run with credentials of that account allowed to manage IAM roles and identity providers.',
    'set -eu',
    'AWS="${AWS:-aws}"',
  ];
  if (plan.needsHubPrincipal)
    lines.push(
      hub
        ? `HUB="\${ROLEGATE_HUB_PRINCIPAL_ARN:-${hub.replace(/[^A-Za-z0-9:/_+=,.@-]/g, '')}}"`
        : 'HUB="${ROLEGATE_HUB_PRINCIPAL_ARN:?set ROLEGATE_HUB_PRINCIPAL_ARN to the ARN of rolegate\'s own AWS identity}"',
    );
  for (const p of plan.samlProviders) {
    const metadata = shellQuote(p.metadataXml);
    lines.push(
      '',
      `# SAML provider ${p.name} (every published certificate, the staged next key too)`,
      `if "$AWS" iam get-saml-provider --saml-provider-arn ${shellQuote(p.arn)} >/dev/null 2>&1; then`,
      `  "$AWS" iam update-saml-provider --saml-provider-arn ${shellQuote(p.arn)} --saml-metadata-document ${metadata} >/dev/null`,
      'else',
      `  "$AWS" iam create-saml-provider --name ${shellQuote(p.name)} --saml-metadata-document ${metadata} >/dev/null`,
      'fi',
    );
  }
  for (const p of plan.oidcProviders) {
    lines.push(
      '',
      `# OIDC provider ${p.url}`,
      thumbprintComment(p),
      `if ! "$AWS" iam get-open-id-connect-provider --open-id-connect-provider-arn ${shellQuote(p.arn)} >/dev/null 2>&1; then`,
      // Older AWS CLI versions require a thumbprint; IAM verifies issuers served with a certificate from a trusted CA
      // with its own trust store and ignores it (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
      `  "$AWS" iam create-open-id-connect-provider --url ${shellQuote(p.url)} --client-id-list ${p.clientIds.map(shellQuote).join(' ')} --thumbprint-list "\${ROLEGATE_OIDC_THUMBPRINT:-${thumbprintOf(p).value}}" >/dev/null`,
      'fi',
    );
    for (const id of p.clientIds)
      lines.push(
        `"$AWS" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${shellQuote(p.arn)} --client-id ${shellQuote(id)} >/dev/null 2>&1 || true`,
      );
  }
  for (const r of plan.roles) {
    const trust = shellJson(r.trustPolicy);
    lines.push(
      '',
      `# Role ${r.name}${r.exchangeMode ? ` (${r.exchangeMode})` : ' (revoker)'}`,
      `if "$AWS" iam get-role --role-name ${shellQuote(r.name)} >/dev/null 2>&1; then`,
      `  "$AWS" iam update-assume-role-policy --role-name ${shellQuote(r.name)} --policy-document ${trust} >/dev/null`,
      `  "$AWS" iam update-role --role-name ${shellQuote(r.name)} --max-session-duration ${String(r.maxSessionDuration)} >/dev/null`,
      'else',
      `  "$AWS" iam create-role --role-name ${shellQuote(r.name)} --path ${shellQuote(r.path)} --max-session-duration ${String(r.maxSessionDuration)} --assume-role-policy-document ${trust} >/dev/null`,
      'fi',
    );
    for (const p of r.inlinePolicies)
      lines.push(
        `"$AWS" iam put-role-policy --role-name ${shellQuote(r.name)} --policy-name ${shellQuote(p.name)} --policy-document ${shellJson(p.document)} >/dev/null`,
      );
  }
  lines.push('', `echo ${shellQuote(`rolegate: IAM of ${plan.account.alias} (${plan.account.id}) is set up`)}`);
  return `${lines.join('\n')}\n`;
}

type PlannedOidcProvider = AccountIamPlan['oidcProviders'][number];

/** The provider's thumbprint in a template's own shape, or nothing for the placeholder (CloudFormation and Terraform may leave it out). */
function knownThumbprint<T extends object>(p: PlannedOidcProvider, shape: (thumbprint: string) => T): T | Record<string, never> {
  const t = thumbprintOf(p);
  return t.source === 'placeholder' ? {} : shape(t.value);
}

/** Says in the script where the thumbprint comes from, and when it is a placeholder, why. */
function thumbprintComment(p: PlannedOidcProvider): string {
  const t = thumbprintOf(p);
  if (t.source === 'issuer-certificate')
    return `# Thumbprint: SHA-1 of the top intermediate CA certificate of ${new URL(p.url).host}, read when this script was made`;
  if (t.source === 'operator') return '# Thumbprint: given with --thumbprint';
  return `# Thumbprint: PLACEHOLDER (${t.value}), ${t.reason}; set ROLEGATE_OIDC_THUMBPRINT to the real one`;
}

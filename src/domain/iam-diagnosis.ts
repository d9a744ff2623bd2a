/**
 * `rolegate doctor`'s decision (docs/exchange.md#iam-setup-as-code): compares what an account's IAM
 * should hold (`planAccountIam`) with what it holds, and names each difference with its fix — the
 * aws-cli snippet of the template for that one object. Pure; the reading is behind ports/iam-reader.ts.
 */
import { renderIamTemplate } from './iam-template-formats.js';
import { HUB_PRINCIPAL, type AccountIamPlan, type PlannedRole, type PolicyValue } from './iam-template.js';

/** What an account's IAM holds, as ports/iam-reader.ts reads it. */
export interface ObservedIam {
  /** By provider ARN: the base64 DER certificates in the provider's metadata. */
  samlProviders: ReadonlyMap<string, { certificates: string[] } | undefined>;
  /** By provider ARN: the provider's URL and client ids (audiences). */
  oidcProviders: ReadonlyMap<string, { url: string; clientIds: string[] } | undefined>;
  /** By role name: its trust policy (parsed JSON) and MaxSessionDuration. */
  roles: ReadonlyMap<string, { trustPolicy: unknown; maxSessionDuration: number } | undefined>;
  /** Whether rolegate's hub identity could assume the revoker role (absent: no revoker configured). */
  revokerAssumable?: { ok: true } | { ok: false; error: string };
  /** Set when the reading identity was refused (AccessDenied, a reader role it cannot assume): why. */
  unreadable?: string;
}

export type FindingKind =
  | 'saml_provider_missing'
  | 'saml_provider_lacks_certificate'
  | 'oidc_provider_missing'
  | 'oidc_audience_missing'
  | 'role_missing'
  | 'trust_principal_missing'
  | 'trust_action_missing'
  | 'trust_condition_wrong'
  | 'max_session_too_short'
  | 'revoker_not_assumable'
  | 'iam_unreadable';

export interface IamFinding {
  accountId: string;
  /** The IAM object: a provider ARN or a role name. */
  object: string;
  kind: FindingKind;
  detail: string;
  /** The aws-cli snippet of the template that puts this object right. */
  fix: string;
}

/** The base64 DER certificates of SAML metadata (each `<ds:X509Certificate>`). */
export function certificatesInMetadata(xml: string): string[] {
  return [...xml.matchAll(/<(?:\w+:)?X509Certificate>([^<]+)<\/(?:\w+:)?X509Certificate>/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
}

/** The fix of an unreadable account: the reader's read-only policy (docs/exchange.md#rolegate-doctor). */
export const READER_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetSAMLProvider', 'iam:ListSAMLProviders', 'iam:GetOpenIDConnectProvider'],
      Resource: '*',
    },
  ],
} as const;
const READER_FIX = [
  '# on the reading identity (the hub, or the role given as --reader-role-name, trusting the hub):',
  `aws iam put-role-policy --role-name "$READER_ROLE" --policy-name rolegate-doctor --policy-document '${JSON.stringify(READER_POLICY)}'`,
].join('\n');

export function diagnoseAccountIam(plan: AccountIamPlan, observed: ObservedIam, hubPrincipalArn?: string): IamFinding[] {
  const accountId = plan.account.id;
  // Unread objects are not missing ones: the one finding is that nothing could be read.
  if (observed.unreadable !== undefined)
    return [
      {
        accountId,
        object: `account ${accountId}`,
        kind: 'iam_unreadable',
        detail: `cannot read IAM in account ${accountId}: ${observed.unreadable}`,
        fix: READER_FIX,
      },
    ];
  const findings: IamFinding[] = [];
  const fixOf = (part: Partial<Pick<AccountIamPlan, 'samlProviders' | 'oidcProviders' | 'roles'>>) =>
    snippet(renderIamTemplate({ ...plan, samlProviders: [], oidcProviders: [], roles: [], ...part }, 'aws-cli', hubPrincipalArn));
  for (const p of plan.samlProviders) {
    const seen = observed.samlProviders.get(p.arn);
    const fix = fixOf({ samlProviders: [p] });
    if (!seen) {
      findings.push({ accountId, object: p.arn, kind: 'saml_provider_missing', detail: 'the SAML provider does not exist', fix });
      continue;
    }
    for (const cert of certificatesInMetadata(p.metadataXml))
      if (!seen.certificates.includes(cert))
        findings.push({
          accountId,
          object: p.arn,
          kind: 'saml_provider_lacks_certificate',
          detail: `the provider's metadata lacks a published signing certificate (${cert.slice(-16)}): a staged or active key AWS would refuse`,
          fix,
        });
  }
  for (const p of plan.oidcProviders) {
    const seen = observed.oidcProviders.get(p.arn);
    const fix = fixOf({ oidcProviders: [p] });
    if (!seen) findings.push({ accountId, object: p.arn, kind: 'oidc_provider_missing', detail: 'the OIDC provider does not exist', fix });
    else
      for (const id of p.clientIds.filter((c) => !seen.clientIds.includes(c)))
        findings.push({
          accountId,
          object: p.arn,
          kind: 'oidc_audience_missing',
          detail: `the OIDC provider lacks the audience ${id}`,
          fix,
        });
  }
  for (const role of plan.roles) findings.push(...diagnoseRole(plan, role, observed, hubPrincipalArn, fixOf({ roles: [role] })));
  return findings;
}

function diagnoseRole(plan: AccountIamPlan, role: PlannedRole, observed: ObservedIam, hub: string | undefined, fix: string): IamFinding[] {
  const base = { accountId: plan.account.id, object: role.name, fix };
  const seen = observed.roles.get(role.name);
  if (!seen) return [{ ...base, kind: 'role_missing', detail: 'the role does not exist' }];
  const findings: IamFinding[] = [];
  const statements = statementsOf(seen.trustPolicy);
  for (const wanted of role.trustPolicy.Statement) {
    const principal = wanted.Principal as Record<string, PolicyValue>;
    const [type, value] = Object.entries(principal)[0] ?? ['', ''];
    const expected = value === HUB_PRINCIPAL ? hub : (value as string);
    const match = statements.find(
      (s) => s.Effect === 'Allow' && (expected === undefined || listOf(asRecord(s.Principal)[type]).includes(expected)),
    );
    if (!match) {
      findings.push({ ...base, kind: 'trust_principal_missing', detail: `no Allow statement trusts ${type} ${expected ?? '(rolegate)'}` });
      continue;
    }
    const actions = listOf(match.Action);
    for (const action of listOf(wanted.Action).filter((a) => !actions.includes(a)))
      findings.push({ ...base, kind: 'trust_action_missing', detail: `the trust policy does not allow ${action}` });
    const wantedConditions = asRecord(asRecord(wanted.Condition).StringEquals);
    const seenConditions = asRecord(asRecord(match.Condition).StringEquals);
    for (const [key, want] of Object.entries(wantedConditions)) {
      const wantList = listOf(want);
      const have = listOf(seenConditions[key]);
      if (have.length === 0 || !have.every((v) => wantList.includes(v)))
        findings.push({
          ...base,
          kind: 'trust_condition_wrong',
          detail: `StringEquals ${key} should be ${wantList.join(' or ')}, is ${have.length === 0 ? 'absent' : have.join(' or ')}`,
        });
    }
  }
  if (seen.maxSessionDuration < role.maxSessionDuration)
    findings.push({
      ...base,
      kind: 'max_session_too_short',
      detail: `MaxSessionDuration is ${String(seen.maxSessionDuration)} s; the mappings allow ${String(role.maxSessionDuration)} s`,
    });
  if (role.kind === 'revoker' && observed.revokerAssumable && !observed.revokerAssumable.ok)
    findings.push({
      ...base,
      kind: 'revoker_not_assumable',
      detail: `rolegate cannot assume the revoker: ${observed.revokerAssumable.error}`,
    });
  return findings;
}

function snippet(script: string): string {
  const lines = script.split('\n');
  const body = lines.filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('set -eu') && !l.startsWith('echo '));
  return body.join('\n');
}

function statementsOf(policy: unknown): Record<string, unknown>[] {
  const statement = asRecord(policy).Statement;
  const list = Array.isArray(statement) ? (statement as unknown[]) : [statement];
  return list.map(asRecord);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function listOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

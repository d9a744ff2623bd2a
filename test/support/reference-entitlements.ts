import type { AwsAccount, AwsRole, GroupMapping } from '../../src/domain/access-model.js';
import { checkRoleProvider } from '../../src/domain/arn.js';
import { groupMatches } from '../../src/domain/glob-match.js';
import { cidrContains, formatIp, parseCidr, parseIp, type CidrBlock } from '../../src/domain/ip-address.js';
import type { Principal } from '../../src/domain/principal.js';

/**
 * The entitlement decision as it was before the per-version indexes (issue
 * 15), kept verbatim as the oracle of the differential tests: it walks every
 * mapping and every role on each call. Do not "fix" it; entitlementsIn and
 * checkRoleRequestIn must agree with it.
 */
/**
 * Who may take which role, and why not. Pure: the caller loads accounts,
 * roles and mappings and passes the signed-in principal and its source IP.
 *
 * Rules (documented in docs/exchange.md):
 * - A mapping *applies* to a user when one of the user's groups matches it
 *   (exact, case-sensitive; or glob) and, if it names an IdP, the user signed
 *   in there. It *passes* when, in addition, its conditions hold: MFA (and its
 *   freshness when `mfaMaxAgeSeconds` is given) and the source-address allow-list.
 * - A role is entitled when at least one applicable mapping passes. Its
 *   winning mappings are the passing non-break-glass ones when there are any —
 *   normal access then wins and the role is not break-glass — else the passing
 *   break-glass ones (break-glass only if every passing mapping is break-glass).
 * - Its maximum session is the most generous winning mapping's cap (no cap =
 *   the role's maximum), never more than the role's maximum.
 * - A role with a matching group but no passing mapping is denied but visible,
 *   with every failed condition of every mapping. A role whose configuration
 *   is broken (ARN/provider mismatch) is denied as `role_misconfigured`.
 * - Roles the user has no matching group for are not mentioned at all.
 */
export interface EntitlementInput {
  principal: Principal;
  /** Client address as seen by rolegate (after trusted proxies); undefined when unknown. */
  sourceIp: string | undefined;
  accounts: readonly AwsAccount[];
  roles: readonly AwsRole[];
  mappings: readonly GroupMapping[];
  /** ms since epoch. */
  now: number;
  /** When set, MFA-requiring mappings also require the sign-in to be at most this old. */
  mfaMaxAgeSeconds?: number;
}

export type ConditionFailure =
  | { condition: 'idp_mismatch'; requiredIdp: string; actualIdp: string }
  | { condition: 'mfa_required' }
  | { condition: 'mfa_stale'; authenticatedAt: number; maxAgeSeconds: number }
  | { condition: 'source_ip_not_allowed'; sourceIp: string | null; allowedCidrs: string[] }
  | { condition: 'invalid_mapping'; problems: string[] };

export interface MappingDenial {
  mapping: GroupMapping;
  /** The user's group that matched the mapping. */
  group: string;
  failures: ConditionFailure[];
}

export interface RoleEntitlement {
  account: AwsAccount;
  role: AwsRole;
  /** The mappings that grant the role (see the rules above). */
  mappings: GroupMapping[];
  /** The user's groups that matched the winning mappings. */
  groups: string[];
  /** Effective maximum session, seconds. */
  maxSessionSeconds: number;
  /** Every winning mapping is break-glass: needs a justification, audited at warn. */
  breakGlass: boolean;
  /** Every winning mapping requires MFA (the access depends on the second factor). */
  mfaRequired: boolean;
}

export interface RoleDenial {
  account: AwsAccount;
  role: AwsRole;
  /** Each applicable-by-group mapping with its failed conditions. */
  mappings: MappingDenial[];
  /** Set when the role itself cannot be used (configuration error). */
  misconfigured?: string;
}

export interface AccountEntitlements {
  account: AwsAccount;
  /** Ordered by role name; break-glass roles are flagged (shown apart by the portal). */
  entitled: RoleEntitlement[];
  denied: RoleDenial[];
  /** The reference knows standing mappings only: never any eligible role. */
  eligible: never[];
}

export interface Entitlements {
  /** Accounts with at least one entitled or denied role, ordered by alias. */
  accounts: AccountEntitlements[];
}

/** Decides and explains the entitlements of one user. */
export function referenceEntitlementsFor(input: EntitlementInput): Entitlements {
  const { principal } = input;
  const source = input.sourceIp === undefined ? undefined : parseIp(input.sourceIp);
  const accounts = new Map(input.accounts.map((a) => [a.id, a]));
  const byRole = new Map<string, { passing: { mapping: GroupMapping; group: string }[]; denials: MappingDenial[] }>();

  const groups = new Set(principal.groups);
  const blocks = new Map<string, ReturnType<typeof parseCidr>>();
  const parseOnce = (text: string) => {
    let block = blocks.get(text);
    if (block === undefined) blocks.set(text, (block = parseCidr(text)));
    return block;
  };
  for (const mapping of input.mappings) {
    const group =
      mapping.match === 'exact'
        ? groups.has(mapping.group)
          ? mapping.group
          : undefined
        : principal.groups.find((g) => groupMatches('glob', mapping.group, g));
    if (group === undefined) continue;
    const failures = conditionFailures(mapping, input, source, parseOnce);
    const entry = byRole.get(mapping.roleId) ?? { passing: [], denials: [] };
    byRole.set(mapping.roleId, entry);
    if (failures.length === 0) entry.passing.push({ mapping, group });
    else entry.denials.push({ mapping, group, failures });
  }

  const perAccount = new Map<string, AccountEntitlements>();
  for (const role of input.roles) {
    const entry = byRole.get(role.id);
    const account = accounts.get(role.accountId);
    if (entry === undefined || account === undefined) continue;
    const bucket = perAccount.get(account.id) ?? { account, entitled: [], denied: [], eligible: [] };
    perAccount.set(account.id, bucket);

    const misconfigured = roleProblem(role, account);
    if (misconfigured !== undefined) {
      bucket.denied.push({ account, role, mappings: entry.denials, misconfigured });
    } else if (entry.passing.length === 0) {
      bucket.denied.push({ account, role, mappings: entry.denials });
    } else {
      bucket.entitled.push(entitlement(account, role, entry.passing));
    }
  }

  const byName = <T extends { role: AwsRole }>(a: T, b: T) => compare(a.role.name, b.role.name) || compare(a.role.id, b.role.id);
  const result = [...perAccount.values()].sort((a, b) => compare(a.account.alias, b.account.alias) || compare(a.account.id, b.account.id));
  for (const bucket of result) {
    bucket.entitled.sort(byName);
    bucket.denied.sort(byName);
  }
  return { accounts: result };
}

function entitlement(account: AwsAccount, role: AwsRole, passing: { mapping: GroupMapping; group: string }[]): RoleEntitlement {
  const normal = passing.filter((p) => !p.mapping.breakGlass);
  const winners = normal.length > 0 ? normal : passing;
  const caps = winners.map((w) => Math.min(w.mapping.maxSessionSeconds ?? role.maxSessionSeconds, role.maxSessionSeconds));
  return {
    account,
    role,
    mappings: winners.map((w) => w.mapping),
    groups: [...new Set(winners.map((w) => w.group))],
    maxSessionSeconds: Math.max(...caps),
    breakGlass: normal.length === 0,
    mfaRequired: winners.every((w) => w.mapping.requireMfa),
  };
}

function conditionFailures(
  mapping: GroupMapping,
  input: EntitlementInput,
  source: ReturnType<typeof parseIp>,
  parse: (text: string) => ReturnType<typeof parseCidr>,
): ConditionFailure[] {
  const failures: ConditionFailure[] = [];
  const { principal } = input;
  if (mapping.idp !== undefined && mapping.idp !== principal.idp) {
    failures.push({ condition: 'idp_mismatch', requiredIdp: mapping.idp, actualIdp: principal.idp });
  }
  if (mapping.requireMfa) {
    if (!principal.authn.mfa) failures.push({ condition: 'mfa_required' });
    else if (input.mfaMaxAgeSeconds !== undefined && input.now - principal.authn.authenticatedAt > input.mfaMaxAgeSeconds * 1000) {
      failures.push({ condition: 'mfa_stale', authenticatedAt: principal.authn.authenticatedAt, maxAgeSeconds: input.mfaMaxAgeSeconds });
    }
  }
  if (mapping.allowedCidrs.length > 0) {
    const blocks: CidrBlock[] = [];
    const problems: string[] = [];
    for (const text of mapping.allowedCidrs) {
      const block = parse(text);
      if ('error' in block) problems.push(block.error);
      else blocks.push(block);
    }
    // A broken allow-list fails closed: the whole mapping is refused, never widened.
    if (problems.length > 0) failures.push({ condition: 'invalid_mapping', problems });
    else if (source === undefined || !blocks.some((block) => cidrContains(block, source))) {
      failures.push({
        condition: 'source_ip_not_allowed',
        sourceIp: source === undefined ? null : formatIp(source),
        allowedCidrs: [...mapping.allowedCidrs],
      });
    }
  }
  return failures;
}

/**
 * Roles and accounts come from the loaded access model and are not changed
 * afterwards, so what is wrong with a role (parsing its ARNs) is worked out
 * once per loaded role rather than on every request.
 */
const problems = new WeakMap<AwsRole, { account: AwsAccount; problem: string | undefined }>();

function roleProblem(role: AwsRole, account: AwsAccount): string | undefined {
  const known = problems.get(role);
  if (known?.account === account) return known.problem;
  const problem = findRoleProblem(role, account);
  problems.set(role, { account, problem });
  return problem;
}

function findRoleProblem(role: AwsRole, account: AwsAccount): string | undefined {
  const checked = checkRoleProvider(role.exchangeMode, role.arn, role.providerArn);
  if (!checked.ok) return checked.error;
  if (checked.value.role.accountId !== account.id) return `role ${role.arn} is not in account ${account.id}`;
  if (checked.value.role.partition !== account.partition) return `role ${role.arn} is not in partition ${account.partition}`;
  if (checked.value.role.name !== role.name) return `role ${role.arn} is not named ${role.name}`;
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { ApprovalPolicy, AwsAccount, AwsRole, GroupMapping } from './access-model.js';
import type { ActiveGrant } from './access-requests.js';
import { checkRoleProvider } from './arn.js';
import { globCandidates, indexAccessModel, type AccessIndex, type PlacedMapping } from './access-index.js';
import { globMatch } from './glob-match.js';
import { cidrContains, formatIp, parseIp, type CidrBlock, type IpAddress, type parseCidr } from './ip-address.js';
import type { Principal } from './principal.js';
import { hasSessionPolicy, sessionPolicyFingerprint, type SessionPolicy } from './session-policy.js';

/**
 * Who may take which role, and why not. Pure: the caller loads accounts,
 * roles and mappings and passes the signed-in principal and its source IP.
 *
 * Rules (documented in docs/exchange.md):
 * - A mapping *applies* to a user when one of the user's groups matches it
 *   (exact, case-sensitive; or glob) and, if it names an IdP, the user signed
 *   in there. It *passes* when, in addition, its conditions hold: MFA (and its
 *   freshness when the mapping's or the asker's `mfaMaxAgeSeconds` is given, the
 *   stricter one) and the source-address allow-list.
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
 * - Eligible mappings (just-in-time access) entitle nobody by themselves:
 *   when no standing mapping passes but an eligible one does, the role is
 *   *eligible* (listed as requestable, refused for credentials with
 *   `grant_required`) — unless the user holds an active grant for it (the
 *   asker's `grantFor`, checked against `now`), which entitles the role
 *   through those eligible mappings, ending at the grant's end. A grant
 *   without a passing eligible mapping (group lost, mapping removed,
 *   condition failing) entitles nothing.
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
  /** This user's active just-in-time grant for a role, if any. */
  grantFor?: (roleId: string) => ActiveGrant | undefined;
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
  /** Set when the role is entitled through a just-in-time grant (eligible mappings only): credentials end by its end. */
  grant?: ActiveGrant;
  /** The winning mappings' session policies (they agree; see sessionPolicyConflict), sent to STS with every exchange. */
  sessionPolicy?: SessionPolicy;
}

/** A role the user may request (an eligible mapping passes) but holds no active grant for. */
export interface RoleEligibility {
  account: AwsAccount;
  role: AwsRole;
  /** The passing eligible mappings, in model order; requests are judged by the first one's policy. */
  mappings: GroupMapping[];
  groups: string[];
  policy: ApprovalPolicy;
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
  /** Roles that can be requested (just-in-time access), by role name. */
  eligible: RoleEligibility[];
}

export interface Entitlements {
  /** Accounts with at least one entitled or denied role, ordered by alias. */
  accounts: AccountEntitlements[];
}

/**
 * What an entitlement decision depended on beyond the model version and the
 * asker's groups, IdP, MFA flag and `mfaMaxAgeSeconds` (which it always
 * reads), so a caller may reuse the decision for another request whose facts
 * agree (features/credentials/roles-answers.ts; scopedEntitlementsIn). Each flag depends only on the
 * model and those always-read facts, never on the facts it names.
 */
export interface DecisionScope {
  /** A mapping with a valid source-address allow-list applied: the answer depends on `sourceIp`. */
  sourceIp: boolean;
  /** An MFA freshness limit applied to an MFA sign-in: the answer depends on `authn.authenticatedAt`. */
  authenticatedAt: boolean;
  /** An eligible (just-in-time) mapping applied: the answer may depend on the asker's grants. */
  grants: boolean;
  /**
   * The decision holds for every `now` below this (ms since epoch; Infinity when no
   * condition depends on the clock): an MFA sign-in going stale, a grant starting or ending.
   */
  validUntil: number;
}

/** Who asks, from where, when: what a decision needs besides the model. */
export interface Asker {
  principal: Principal;
  sourceIp: string | undefined;
  now: number;
  mfaMaxAgeSeconds?: number;
  /** This user's active just-in-time grant for a role, if any (the in-memory grant index). */
  grantFor?: (roleId: string) => ActiveGrant | undefined;
}

interface Candidate {
  placed: PlacedMapping;
  group: string;
}

/** Decides and explains the entitlements of one user (builds an index of the lists given; see entitlementsIn). */
export function entitlementsFor(input: EntitlementInput): Entitlements {
  return entitlementsIn(indexAccessModel(input), input);
}

/**
 * The entitlements of one user over an indexed model: only the mappings of
 * the user's groups (and the glob patterns sharing a group's prefix) are
 * looked at, so the cost follows the user's groups, not the model's size.
 */
export function entitlementsIn(index: AccessIndex, asker: Asker): Entitlements {
  return decideEntitlements(index, asker, undefined);
}

/** The same decision, with what it depended on (DecisionScope): what an answer may be reused for. */
export function scopedEntitlementsIn(index: AccessIndex, asker: Asker): { entitlements: Entitlements; scope: DecisionScope } {
  const scope: DecisionScope = { sourceIp: false, authenticatedAt: false, grants: false, validUntil: Number.POSITIVE_INFINITY };
  return { entitlements: decideEntitlements(index, asker, scope), scope };
}

function decideEntitlements(index: AccessIndex, asker: Asker, scope: DecisionScope | undefined): Entitlements {
  const candidates = candidatesOf(index, asker.principal.groups);
  const source = sourceOf(asker);
  const perAccount = new Map<string, AccountEntitlements>();
  for (const [roleId, list] of byRole(candidates)) {
    const decided = decideRole(index, asker, source, roleId, list, scope);
    if (decided === undefined) continue;
    const { account } = decided;
    let bucket = perAccount.get(account.id);
    if (bucket === undefined) perAccount.set(account.id, (bucket = { account, entitled: [], denied: [], eligible: [] }));
    if ('entitled' in decided) bucket.entitled.push(decided.entitled);
    else if ('eligible' in decided) bucket.eligible.push(decided.eligible);
    else bucket.denied.push(decided.denied);
  }
  const byName = <T extends { role: AwsRole }>(a: T, b: T) => compare(a.role.name, b.role.name) || compare(a.role.id, b.role.id);
  const result = [...perAccount.values()].sort((a, b) => compare(a.account.alias, b.account.alias) || compare(a.account.id, b.account.id));
  for (const bucket of result) {
    bucket.entitled.sort(byName);
    bucket.denied.sort(byName);
    bucket.eligible.sort(byName);
  }
  return { accounts: result };
}

/** One role's decision for one user: entitled, denied (with why), or undefined when no group of the user is mapped to it. */
export type RoleDecision =
  | { account: AwsAccount; entitled: RoleEntitlement }
  | { account: AwsAccount; denied: RoleDenial }
  | { account: AwsAccount; eligible: RoleEligibility }
  | undefined;

/** The decision for one role alone (what a credentials request needs): the user's groups against that role's mappings only. */
export function roleEntitlementIn(index: AccessIndex, asker: Asker, roleId: string): RoleDecision {
  const candidates: Candidate[] = [];
  const exact = index.exactByRole.get(roleId);
  if (exact !== undefined) {
    // Whichever side is smaller is walked: the role's mapped groups, or the user's (someone in hundreds of groups).
    const groups = groupSetOf(asker.principal.groups);
    if (exact.size <= groups.size) {
      for (const [group, placed] of exact) if (groups.has(group)) for (const p of placed) candidates.push({ placed: p, group });
    } else {
      for (const group of groups) for (const placed of exact.get(group) ?? []) candidates.push({ placed, group });
    }
  }
  for (const placed of index.globsByRole.get(roleId) ?? []) {
    const group = asker.principal.groups.find((g) => globMatch(placed.mapping.group, g));
    if (group !== undefined) candidates.push({ placed, group });
  }
  if (candidates.length === 0) return undefined;
  return decideRole(
    index,
    asker,
    sourceOf(asker),
    roleId,
    candidates.sort((a, b) => a.placed.at - b.placed.at),
    undefined,
  );
}

/**
 * A principal's groups as a set, made once per frozen groups array (a session is decoded
 * once, frozen, and its principal shared by its requests); an array that may change is not remembered.
 */
const groupSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function groupSetOf(groups: readonly string[]): ReadonlySet<string> {
  if (!Object.isFrozen(groups)) return new Set(groups);
  let set = groupSets.get(groups);
  if (set === undefined) groupSets.set(groups, (set = new Set(groups)));
  return set;
}

function sourceOf(asker: Asker): IpAddress | undefined {
  return asker.sourceIp === undefined ? undefined : parseIp(asker.sourceIp);
}

/** Every mapping that applies to someone with these groups, with the group that matched, in the model's order. */
function candidatesOf(index: AccessIndex, groups: readonly string[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const group of new Set(groups)) {
    for (const placed of index.exactByGroup.get(group) ?? []) candidates.push({ placed, group });
  }
  if (index.globPrefixLengths.length > 0) {
    // The first of the user's groups (in their order) that matches a pattern is the one reported.
    const matched = new Set<PlacedMapping>();
    for (const group of groups) {
      for (const list of globCandidates(index, group)) {
        for (const placed of list) {
          if (matched.has(placed) || !globMatch(placed.mapping.group, group)) continue;
          matched.add(placed);
          candidates.push({ placed, group });
        }
      }
    }
  }
  return candidates.sort((a, b) => a.placed.at - b.placed.at);
}

function byRole(candidates: readonly Candidate[]): Map<string, Candidate[]> {
  const map = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const list = map.get(candidate.placed.mapping.roleId);
    if (list === undefined) map.set(candidate.placed.mapping.roleId, [candidate]);
    else list.push(candidate);
  }
  return map;
}

/** The rules above for one role, given its applicable mappings in model order. */
function decideRole(
  index: AccessIndex,
  asker: Asker,
  source: IpAddress | undefined,
  roleId: string,
  candidates: readonly Candidate[],
  scope: DecisionScope | undefined,
): RoleDecision {
  const role = index.roleById.get(roleId);
  const account = role === undefined ? undefined : index.accountOfRole.get(role.accountId);
  if (role === undefined || account === undefined) return undefined;
  const passing: { mapping: GroupMapping; group: string }[] = [];
  const denials: MappingDenial[] = [];
  for (const { placed, group } of candidates) {
    // Set whether or not the grant is looked up below (that depends on other facts): the flag must follow from the model and the groups alone.
    if (scope !== undefined && placed.mapping.approval !== undefined) scope.grants = true;
    const failures = conditionFailures(placed.mapping, asker, source, index.cidr, scope);
    if (failures.length === 0) passing.push({ mapping: placed.mapping, group });
    else denials.push({ mapping: placed.mapping, group, failures });
  }
  const misconfigured = roleProblem(index, role, account);
  if (misconfigured !== undefined) return { account, denied: { account, role, mappings: denials, misconfigured } };
  if (passing.length === 0) return { account, denied: { account, role, mappings: denials } };
  const standing = passing.filter((p) => p.mapping.approval === undefined);
  if (standing.length > 0) return entitledOrConflict(account, entitlement(account, role, standing), denials);
  // Only eligible mappings pass: an active grant entitles through them, else the role can be requested.
  const grant = asker.grantFor?.(roleId);
  if (scope !== undefined && grant !== undefined) {
    if (asker.now < grant.startsAt) scope.validUntil = Math.min(scope.validUntil, grant.startsAt);
    else if (asker.now < grant.endsAt) scope.validUntil = Math.min(scope.validUntil, grant.endsAt);
  }
  if (grant !== undefined && grant.startsAt <= asker.now && asker.now < grant.endsAt)
    return entitledOrConflict(account, { ...entitlement(account, role, passing), grant }, denials);
  return {
    account,
    eligible: {
      account,
      role,
      mappings: passing.map((p) => p.mapping),
      groups: [...new Set(passing.map((p) => p.group))],
      policy: passing[0]?.mapping.approval as ApprovalPolicy,
    },
  };
}

/**
 * Two winning mappings that give the same role with different session policies
 * are refused rather than resolved: picking the less restricted one would undo
 * the narrower mapping, picking the narrower one would quietly take access away
 * from the other, and neither is what an administrator wrote. The role is
 * reported as misconfigured until the mappings agree (docs/access-as-code.md#session-policies).
 */
function entitledOrConflict(account: AwsAccount, entitled: RoleEntitlement, denials: MappingDenial[]): RoleDecision {
  const conflict = sessionPolicyConflict(entitled.mappings);
  if (conflict === undefined) return { account, entitled };
  return { account, denied: { account, role: entitled.role, mappings: denials, misconfigured: conflict } };
}

/** Undefined when every mapping carries the same session policies; else what is wrong, for the user and the admin. */
export function sessionPolicyConflict(mappings: readonly GroupMapping[]): string | undefined {
  const fingerprints = new Set(mappings.map((m) => sessionPolicyFingerprint(m.sessionPolicy, (text) => text)));
  if (fingerprints.size <= 1) return undefined;
  return `you have ${String(mappings.length)} mappings to this role with different session policies; rolegate does not choose between them, so ask an administrator to make them agree (or map separate roles)`;
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
    ...sessionPolicyOf(winners[0]?.mapping),
  };
}

function sessionPolicyOf(mapping: GroupMapping | undefined): { sessionPolicy?: SessionPolicy } {
  const policy = mapping?.sessionPolicy;
  return hasSessionPolicy(policy) ? { sessionPolicy: policy } : {};
}

function conditionFailures(
  mapping: GroupMapping,
  asker: Asker,
  source: ReturnType<typeof parseIp>,
  parse: (text: string) => ReturnType<typeof parseCidr>,
  scope: DecisionScope | undefined,
): ConditionFailure[] {
  const failures: ConditionFailure[] = [];
  const { principal } = asker;
  if (mapping.idp !== undefined && mapping.idp !== principal.idp) {
    failures.push({ condition: 'idp_mismatch', requiredIdp: mapping.idp, actualIdp: principal.idp });
  }
  if (mapping.requireMfa) {
    // The stricter of the mapping's own limit and the asker's.
    const limits = [mapping.mfaMaxAgeSeconds, asker.mfaMaxAgeSeconds].filter((s): s is number => s !== undefined);
    const maxAgeSeconds = limits.length > 0 ? Math.min(...limits) : undefined;
    if (!principal.authn.mfa) failures.push({ condition: 'mfa_required' });
    else if (maxAgeSeconds !== undefined) {
      const staleAfter = principal.authn.authenticatedAt + maxAgeSeconds * 1000;
      if (asker.now > staleAfter)
        failures.push({ condition: 'mfa_stale', authenticatedAt: principal.authn.authenticatedAt, maxAgeSeconds });
      // Stale from the next millisecond on (clocks here are whole milliseconds); never fresh again.
      else if (scope !== undefined) scope.validUntil = Math.min(scope.validUntil, staleAfter + 1);
      if (scope !== undefined) scope.authenticatedAt = true;
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
    else {
      if (scope !== undefined) scope.sourceIp = true;
      if (source === undefined || !blocks.some((block) => cidrContains(block, source))) {
        failures.push({
          condition: 'source_ip_not_allowed',
          sourceIp: source === undefined ? null : formatIp(source),
          allowedCidrs: [...mapping.allowedCidrs],
        });
      }
    }
  }
  return failures;
}

/** What is wrong with a role (parsing its ARNs), worked out once per role and model version. */
function roleProblem(index: AccessIndex, role: AwsRole, account: AwsAccount): string | undefined {
  if (index.roleProblems.has(role.id)) return index.roleProblems.get(role.id);
  const problem = findRoleProblem(role, account);
  index.roleProblems.set(role.id, problem);
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

/** One line per failure, for users and logs. */
export function describeFailure(failure: ConditionFailure): string {
  switch (failure.condition) {
    case 'idp_mismatch':
      return `this mapping is for users of ${failure.requiredIdp}, you signed in with ${failure.actualIdp}`;
    case 'mfa_required':
      return 'this role requires signing in with a second factor (MFA)';
    case 'mfa_stale':
      return `this role requires an MFA sign-in within the last ${String(failure.maxAgeSeconds)} s; sign in again`;
    case 'source_ip_not_allowed':
      return `your address ${failure.sourceIp ?? '(unknown)'} is not in the allowed networks ${failure.allowedCidrs.join(', ')}`;
    case 'invalid_mapping':
      return `the mapping is misconfigured: ${failure.problems.join('; ')}`;
  }
}

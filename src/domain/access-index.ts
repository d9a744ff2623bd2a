import type { AwsAccount, AwsRole, GroupMapping } from './access-model.js';
import { parseCidr, type CidrBlock } from './ip-address.js';

/** A mapping with its place in the model's list: decisions list mappings in that order. */
export interface PlacedMapping {
  mapping: GroupMapping;
  at: number;
}

/**
 * Lookups over one version of the access model, built once when the model is
 * loaded, so deciding for one user costs what that user's groups and the
 * asked role cost — not the size of the whole model:
 * - exact mappings by group, and by role then group;
 * - glob mappings by their literal prefix (the text before the first `*` or
 *   `?`): a group can only match a pattern whose prefix it starts with, so a
 *   group is tested against the few patterns that share its beginning;
 * - accounts by id and alias, roles by id and, per account, by name, ARN and
 *   case-folded name (what a role request names).
 * Pure and immutable once built; `cidr` and `roleProblem` memoise per index.
 */
export interface AccessIndex {
  readonly accounts: readonly AwsAccount[];
  readonly roles: readonly AwsRole[];
  readonly mappings: readonly GroupMapping[];
  /** The account a role belongs to (the last listed with that id, as a Map built from the list). */
  readonly accountOfRole: ReadonlyMap<string, AwsAccount>;
  /** What a request names: the first account with that id, else the first with that alias. */
  readonly accountById: ReadonlyMap<string, AwsAccount>;
  readonly accountByAlias: ReadonlyMap<string, AwsAccount>;
  readonly roleById: ReadonlyMap<string, AwsRole>;
  readonly rolesByAccount: ReadonlyMap<string, RolesOfAccount>;
  readonly exactByGroup: ReadonlyMap<string, readonly PlacedMapping[]>;
  readonly exactByRole: ReadonlyMap<string, ReadonlyMap<string, readonly PlacedMapping[]>>;
  readonly globsByPrefix: ReadonlyMap<string, readonly PlacedMapping[]>;
  /** The distinct prefix lengths of globsByPrefix, ascending: the only places a group needs cutting. */
  readonly globPrefixLengths: readonly number[];
  readonly globsByRole: ReadonlyMap<string, readonly PlacedMapping[]>;
  /** A CIDR parsed once per model version. */
  readonly cidr: (text: string) => CidrBlock | { error: string };
  /** Memo of what is wrong with a role (computed by the caller, once per role and version). */
  readonly roleProblems: Map<string, string | undefined>;
}

/** The roles of one account as a request may name them: first by exact name or ARN, else by name in any case. */
export interface RolesOfAccount {
  exact: Map<string, AwsRole>;
  folded: Map<string, AwsRole>;
}

export interface AccessModelLists {
  accounts: readonly AwsAccount[];
  roles: readonly AwsRole[];
  mappings: readonly GroupMapping[];
}

/**
 * Builds the index in one go. `indexAccessModelInSteps` builds the same index
 * while yielding between slices, for the service's reloads.
 */
export function indexAccessModel(model: AccessModelLists): AccessIndex {
  const steps = indexSteps(model);
  let step = steps.next();
  while (step.done !== true) step = steps.next();
  return step.value;
}

/**
 * The same index, built `sliceSize` objects at a time with `pause()` awaited
 * between slices, so building the index of a large model never holds the
 * event loop for long.
 */
export async function indexAccessModelInSteps(model: AccessModelLists, pause: () => Promise<void>, sliceSize = 2000): Promise<AccessIndex> {
  const steps = indexSteps(model, sliceSize);
  let step = steps.next();
  while (step.done !== true) {
    await pause();
    step = steps.next();
  }
  return step.value;
}

function* indexSteps(model: AccessModelLists, sliceSize = Number.POSITIVE_INFINITY): Generator<void, AccessIndex> {
  let done = 0;
  const tick = function* () {
    if (++done % sliceSize === 0) yield;
  };

  const accountOfRole = new Map<string, AwsAccount>();
  const accountById = new Map<string, AwsAccount>();
  const accountByAlias = new Map<string, AwsAccount>();
  for (const account of model.accounts) {
    accountOfRole.set(account.id, account);
    if (!accountById.has(account.id)) accountById.set(account.id, account);
    if (!accountByAlias.has(account.alias)) accountByAlias.set(account.alias, account);
    yield* tick();
  }

  const roleById = new Map<string, AwsRole>();
  const rolesByAccount = new Map<string, RolesOfAccount>();
  for (const role of model.roles) {
    roleById.set(role.id, role);
    let own = rolesByAccount.get(role.accountId);
    if (own === undefined) rolesByAccount.set(role.accountId, (own = { exact: new Map(), folded: new Map() }));
    if (!own.exact.has(role.name)) own.exact.set(role.name, role);
    if (!own.exact.has(role.arn)) own.exact.set(role.arn, role);
    const folded = role.name.toLowerCase();
    if (!own.folded.has(folded)) own.folded.set(folded, role);
    yield* tick();
  }

  const exactByGroup = new Map<string, PlacedMapping[]>();
  const exactByRole = new Map<string, Map<string, PlacedMapping[]>>();
  const globsByPrefix = new Map<string, PlacedMapping[]>();
  const globsByRole = new Map<string, PlacedMapping[]>();
  for (let at = 0; at < model.mappings.length; at++) {
    const mapping = model.mappings[at] as GroupMapping;
    const placed = { mapping, at };
    if (mapping.match === 'exact') {
      push(exactByGroup, mapping.group, placed);
      let byGroup = exactByRole.get(mapping.roleId);
      if (byGroup === undefined) exactByRole.set(mapping.roleId, (byGroup = new Map<string, PlacedMapping[]>()));
      push(byGroup, mapping.group, placed);
    } else {
      push(globsByPrefix, literalPrefix(mapping.group), placed);
      push(globsByRole, mapping.roleId, placed);
    }
    yield* tick();
  }

  const cidrs = new Map<string, CidrBlock | { error: string }>();
  return {
    accounts: model.accounts,
    roles: model.roles,
    mappings: model.mappings,
    accountOfRole,
    accountById,
    accountByAlias,
    roleById,
    rolesByAccount,
    exactByGroup,
    exactByRole,
    globsByPrefix,
    globPrefixLengths: [...new Set([...globsByPrefix.keys()].map((p) => p.length))].sort((a, b) => a - b),
    globsByRole,
    cidr: (text) => {
      let block = cidrs.get(text);
      if (block === undefined) cidrs.set(text, (block = parseCidr(text)));
      return block;
    },
    roleProblems: new Map(),
  };
}

/** The text of a glob before its first wildcard: every group it matches starts with it. */
export function literalPrefix(pattern: string): string {
  const star = pattern.indexOf('*');
  const one = pattern.indexOf('?');
  const end = star === -1 ? one : one === -1 ? star : Math.min(star, one);
  return end === -1 ? pattern : pattern.slice(0, end);
}

/** The glob mappings whose literal prefix `group` starts with (candidates; globMatch decides). */
export function globCandidates(index: AccessIndex, group: string): readonly PlacedMapping[][] {
  const found: PlacedMapping[][] = [];
  for (const length of index.globPrefixLengths) {
    if (length > group.length) break;
    const list = index.globsByPrefix.get(length === group.length ? group : group.slice(0, length));
    if (list !== undefined) found.push(list as PlacedMapping[]);
  }
  return found;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

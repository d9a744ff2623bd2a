import type { AwsAccount, AwsRole, GroupMapping } from './access-model.js';
import { runSteps, runStepsPausing } from './in-steps.js';
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
  /**
   * Roughly the heap this version holds, its objects and its indexes (approximateBytes:
   * V8's sizes on 64-bit, counted from the objects' fields, strings and Map entries).
   */
  readonly approximateBytes: number;
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
  return runSteps(indexSteps(model));
}

/**
 * The same index, built `sliceSize` objects at a time with `pause()` awaited
 * between slices, so building the index of a large model never holds the
 * event loop for long.
 */
export function indexAccessModelInSteps(model: AccessModelLists, pause: () => Promise<void>, sliceSize = 2000): Promise<AccessIndex> {
  return runStepsPausing(indexSteps(model, sliceSize), pause);
}

function* indexSteps(model: AccessModelLists, sliceSize = Number.POSITIVE_INFINITY): Generator<void, AccessIndex> {
  // Counted inline (`if (++done % sliceSize === 0) yield`): a generator per object to share this line cost more than the indexing.
  let done = 0;

  const accountOfRole = new Map<string, AwsAccount>();
  const accountById = new Map<string, AwsAccount>();
  const accountByAlias = new Map<string, AwsAccount>();
  let bytes = 0;
  for (const account of model.accounts) {
    bytes += approximateBytes(account) + 3 * MAP_ENTRY_BYTES;
    accountOfRole.set(account.id, account);
    if (!accountById.has(account.id)) accountById.set(account.id, account);
    if (!accountByAlias.has(account.alias)) accountByAlias.set(account.alias, account);
    if (++done % sliceSize === 0) yield;
  }

  const roleById = new Map<string, AwsRole>();
  const rolesByAccount = new Map<string, RolesOfAccount>();
  for (const role of model.roles) {
    bytes += approximateBytes(role) + 4 * MAP_ENTRY_BYTES;
    roleById.set(role.id, role);
    let own = rolesByAccount.get(role.accountId);
    if (own === undefined) rolesByAccount.set(role.accountId, (own = { exact: new Map(), folded: new Map() }));
    if (!own.exact.has(role.name)) own.exact.set(role.name, role);
    if (!own.exact.has(role.arn)) own.exact.set(role.arn, role);
    const folded = role.name.toLowerCase();
    bytes += stringBytes(folded);
    if (!own.folded.has(folded)) own.folded.set(folded, role);
    if (++done % sliceSize === 0) yield;
  }

  const exactByGroup = new Map<string, PlacedMapping[]>();
  const exactByRole = new Map<string, Map<string, PlacedMapping[]>>();
  const globsByPrefix = new Map<string, PlacedMapping[]>();
  const globsByRole = new Map<string, PlacedMapping[]>();
  for (let at = 0; at < model.mappings.length; at++) {
    const mapping = model.mappings[at] as GroupMapping;
    const placed = { mapping, at };
    // The mapping, its PlacedMapping (two fields), its places in two lists and, at most, two Map entries.
    bytes += approximateBytes(mapping) + OBJECT_BYTES + 2 * SLOT_BYTES + 2 * SLOT_BYTES + 2 * MAP_ENTRY_BYTES;
    if (mapping.match === 'exact') {
      push(exactByGroup, mapping.group, placed);
      let byGroup = exactByRole.get(mapping.roleId);
      if (byGroup === undefined) exactByRole.set(mapping.roleId, (byGroup = new Map<string, PlacedMapping[]>()));
      push(byGroup, mapping.group, placed);
    } else {
      push(globsByPrefix, literalPrefix(mapping.group), placed);
      push(globsByRole, mapping.roleId, placed);
    }
    if (++done % sliceSize === 0) yield;
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
    // The three lists' slots.
    approximateBytes: bytes + (model.accounts.length + model.roles.length + model.mappings.length) * SLOT_BYTES,
  };
}

/** V8 on 64-bit without pointer compression (Node's default build): a pointer or an in-object field. */
const SLOT_BYTES = 8;
/** A plain object's header (map, properties, elements). */
const OBJECT_BYTES = 24;
/** One entry of a Map (OrderedHashMap: key, value, chain, and its share of the buckets and spare capacity), as measured. */
const MAP_ENTRY_BYTES = 32;

/**
 * Roughly the heap a value holds, following its own fields: objects (header and
 * one slot per field), arrays, strings (header and characters, one byte each
 * for Latin-1, two otherwise, rounded up to 8) and numbers (a heap number
 * unless a small integer). Shared strings are counted once per reference: an
 * upper bound for values read from a database, which are separate strings.
 */
export function approximateBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 2 ** 30 ? 0 : 16;
    case 'object': {
      if (value === null) return 0;
      if (Array.isArray(value)) {
        let total = 32 + 16 + value.length * SLOT_BYTES;
        for (const item of value as unknown[]) total += approximateBytes(item);
        return total;
      }
      let total = OBJECT_BYTES;
      for (const key in value) total += SLOT_BYTES + approximateBytes((value as Record<string, unknown>)[key]);
      return total;
    }
    default:
      return 0;
  }
}

function stringBytes(text: string): number {
  // eslint-disable-next-line no-control-regex -- Latin-1 is what V8 stores one byte per character.
  const width = /^[\u0000-\u00ff]*$/.test(text) ? 1 : 2;
  return 16 + Math.ceil((text.length * width) / 8) * 8;
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

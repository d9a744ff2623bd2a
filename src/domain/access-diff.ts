import { mappingKey, type AccessDocument } from './access-document.js';

export const ACCESS_KINDS = ['identityProvider', 'account', 'role', 'mapping'] as const;
export type AccessKind = (typeof ACCESS_KINDS)[number];

/** One difference between the stored access model and a document. */
export interface AccessChange {
  kind: AccessKind;
  action: 'add' | 'change' | 'remove';
  /** The natural key: IdP slug, account id, role ARN, or the mapping's idp/match/group → role. */
  key: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** For `change`: the fields whose values differ. */
  fields?: string[];
}

type Entry = Record<string, unknown>;

const keyOf: Record<AccessKind, (entry: Entry) => string> = {
  identityProvider: (e) => String(e.slug),
  account: (e) => String(e.id),
  role: (e) => String(e.arn),
  mapping: (e) => mappingKey(e as Parameters<typeof mappingKey>[0]),
};

/** The natural key of one entry of a kind (what diffAccess matches objects by). */
export function entryKey(kind: AccessKind, entry: Entry): string {
  return keyOf[kind](entry);
}

const listOf = (doc: AccessDocument, kind: AccessKind): readonly Entry[] | undefined =>
  kind === 'identityProvider' ? doc.identityProviders : kind === 'account' ? doc.accounts : kind === 'role' ? doc.roles : doc.mappings;

/**
 * What applying `desired` over `current` would do, per object: added,
 * changed (with the differing fields) or removed. Stable order: by kind
 * (IdPs, accounts, roles, mappings), then by key. Identity providers are
 * compared only when `desired` lists them. Pure: no I/O.
 */
export function diffAccess(current: AccessDocument, desired: AccessDocument): AccessChange[] {
  const changes: AccessChange[] = [];
  for (const kind of ACCESS_KINDS) {
    const wanted = listOf(desired, kind);
    if (wanted === undefined) continue;
    const have = new Map((listOf(current, kind) ?? []).map((e) => [keyOf[kind](e), canonical(e)]));
    const want = new Map(wanted.map((e) => [keyOf[kind](e), canonical(e)]));
    const keys = [...have.keys()];
    for (const key of want.keys()) if (!have.has(key)) keys.push(key);
    for (const key of keys.sort()) {
      const before = have.get(key);
      const after = want.get(key);
      if (before && !after) changes.push({ kind, action: 'remove', key, before });
      else if (!before && after) changes.push({ kind, action: 'add', key, after });
      else if (before && after && JSON.stringify(before) !== JSON.stringify(after)) {
        // Canonical objects serialise equally when equal: one comparison each, fields only for the changed few.
        const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])]
          .filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]))
          .sort();
        if (fields.length > 0) changes.push({ kind, action: 'change', key, before, after, fields });
      }
    }
  }
  return changes;
}

/** Counts per action, for a one-line summary ("2 to add, 1 to change, 0 to remove"). */
export function summarizeChanges(changes: readonly AccessChange[]): { add: number; change: number; remove: number } {
  return {
    add: changes.filter((c) => c.action === 'add').length,
    change: changes.filter((c) => c.action === 'change').length,
    remove: changes.filter((c) => c.action === 'remove').length,
  };
}

/** A copy with keys sorted recursively and undefined members left out, so equal objects serialise equally. */
export function canonical(value: Entry): Entry {
  return sortDeep(value) as Entry;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const out: Entry = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Entry)[key];
      if (member !== undefined) out[key] = sortDeep(member);
    }
    return out;
  }
  return value;
}

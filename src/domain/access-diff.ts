import { mappingKey, type AccessDocument } from './access-document.js';
import { parseDurationText } from './access-requests.js';
import { parseRoleArn } from './arn.js';
import { globMatch } from './glob-match.js';
import { runSteps, runStepsPausing, slicer } from './in-steps.js';

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

/** Entries canonicalised or compared between two yields of the diffs in steps (a few ms each). */
const DIFF_SLICE = 1000;

/**
 * What applying `desired` over `current` would do, per object: added,
 * changed (with the differing fields) or removed. Stable order: by kind
 * (IdPs, accounts, roles, mappings), then by key. Identity providers are
 * compared only when `desired` lists them. Pure: no I/O.
 */
export function diffAccess(current: AccessDocument, desired: AccessDocument): AccessChange[] {
  return runSteps(diffSteps(current, desired, Number.POSITIVE_INFINITY));
}

/** diffAccess with `pause()` awaited every `sliceSize` entries: a whole large file's diff never holds the event loop for long. */
export function diffAccessInSteps(
  current: AccessDocument,
  desired: AccessDocument,
  pause: () => Promise<void>,
  sliceSize = DIFF_SLICE,
): Promise<AccessChange[]> {
  return runStepsPausing(diffSteps(current, desired, sliceSize), pause);
}

function* diffSteps(current: AccessDocument, desired: AccessDocument, sliceSize: number): Generator<void, AccessChange[]> {
  const slices = slicer(sliceSize);
  const changes: AccessChange[] = [];
  for (const kind of ACCESS_KINDS) {
    const wanted = listOf(desired, kind);
    if (wanted === undefined) continue;
    const have = new Map<string, Entry>();
    for (const e of listOf(current, kind) ?? []) {
      have.set(keyOf[kind](e), canonical(e));
      if (slices.done()) yield;
    }
    const want = new Map<string, Entry>();
    for (const e of wanted) {
      want.set(keyOf[kind](e), canonical(e));
      if (slices.done()) yield;
    }
    const keys = [...have.keys()];
    for (const key of want.keys()) if (!have.has(key)) keys.push(key);
    keys.sort();
    yield;
    for (const key of keys) {
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
      if (slices.done()) yield;
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

/**
 * Effective access: who (a group, from an IdP) may take which role
 * (`account/role`) and under which conditions — what a reviewer of an access
 * change needs, rather than which objects changed. One grant per mapping, its
 * conditions resolved against the role (the session cap is the smaller of the
 * mapping's and the role's, as the broker computes it).
 */
export interface EffectiveGrant {
  /** The mapping's natural key (mappingKey). */
  key: string;
  group: string;
  match: 'exact' | 'glob';
  /** The IdP slug the group must come from; absent: any. */
  idp?: string;
  roleArn: string;
  /** `alias/RoleName` (the account id when the account is not listed). */
  target: string;
  /** standing: at once; eligible: by approved request; break-glass: with a typed justification, audited at warn. */
  access: 'standing' | 'eligible' | 'break-glass';
  mfa: boolean;
  /** Source addresses allowed, sorted; empty: any. */
  cidrs: string[];
  maxSessionSeconds: number;
  approval?: {
    approverGroups: string[];
    approvals: number;
    maxGrant: string;
    reasonRequired: boolean;
    ticketPattern?: string;
    autoApproveGroups: string[];
  };
}

export type Direction = 'tightened' | 'loosened' | 'changed';

export interface ConditionChange {
  condition:
    | 'access'
    | 'mfa'
    | 'cidrs'
    | 'maxSession'
    | 'approverGroups'
    | 'approvals'
    | 'maxGrant'
    | 'reasonRequired'
    | 'ticketPattern'
    | 'autoApproveGroups';
  before: unknown;
  after: unknown;
  direction: Direction;
}

export type EffectiveChange =
  | { action: 'grant'; grant: EffectiveGrant }
  | { action: 'revoke'; grant: EffectiveGrant }
  | { action: 'change'; before: EffectiveGrant; after: EffectiveGrant; conditions: ConditionChange[] };

/** Every grant a document makes, by mapping key. */
export function effectiveGrants(doc: AccessDocument): Map<string, EffectiveGrant> {
  return runSteps(effectiveGrantsSteps(doc, slicer(Number.POSITIVE_INFINITY)));
}

function* effectiveGrantsSteps(doc: AccessDocument, slices: ReturnType<typeof slicer>): Generator<void, Map<string, EffectiveGrant>> {
  const accounts = new Map(doc.accounts.map((a) => [a.id, a.alias]));
  const roles = new Map(doc.roles.map((r) => [r.arn, r]));
  const grants = new Map<string, EffectiveGrant>();
  for (const m of doc.mappings) {
    const role = roles.get(m.role);
    const parsed = parseRoleArn(m.role);
    const accountId = parsed.ok ? parsed.value.accountId : '?';
    const roleName = parsed.ok ? parsed.value.name : m.role;
    const roleMax = role?.maxSessionSeconds ?? 3600;
    const key = mappingKey(m);
    grants.set(key, {
      key,
      group: m.group,
      match: m.match,
      ...(m.idp !== undefined ? { idp: m.idp } : {}),
      roleArn: m.role,
      target: `${accounts.get(accountId) ?? accountId}/${roleName}`,
      access: m.access === 'eligible' ? 'eligible' : m.breakGlass ? 'break-glass' : 'standing',
      mfa: m.requireMfa,
      cidrs: [...m.allowedCidrs].sort(),
      maxSessionSeconds: Math.min(m.maxSessionSeconds ?? roleMax, roleMax),
      ...(m.approval
        ? {
            approval: {
              approverGroups: [...m.approval.approverGroups].sort(),
              approvals: m.approval.approvals,
              maxGrant: m.approval.maxGrant,
              reasonRequired: m.approval.reasonRequired,
              ...(m.approval.ticketPattern !== undefined ? { ticketPattern: m.approval.ticketPattern } : {}),
              autoApproveGroups: [...m.approval.autoApproveGroups].sort(),
            },
          }
        : {}),
    });
    if (slices.done()) yield;
  }
  return grants;
}

/**
 * The change in effective access from `before` to `after`: grants added,
 * grants removed, and for a grant in both, each condition that tightened
 * (less access: MFA now required, fewer source addresses, shorter sessions,
 * standing → break-glass → eligible, more approvals…), loosened, or changed
 * in a way that is neither (other approver groups). Ordered by target, then
 * group. Pure: no I/O.
 */
export function diffEffectiveAccess(before: AccessDocument, after: AccessDocument): EffectiveChange[] {
  return runSteps(diffEffectiveSteps(before, after, Number.POSITIVE_INFINITY));
}

/** diffEffectiveAccess with `pause()` awaited every `sliceSize` mappings. */
export function diffEffectiveAccessInSteps(
  before: AccessDocument,
  after: AccessDocument,
  pause: () => Promise<void>,
  sliceSize = DIFF_SLICE,
): Promise<EffectiveChange[]> {
  return runStepsPausing(diffEffectiveSteps(before, after, sliceSize), pause);
}

function* diffEffectiveSteps(before: AccessDocument, after: AccessDocument, sliceSize: number): Generator<void, EffectiveChange[]> {
  const slices = slicer(sliceSize);
  const had = yield* effectiveGrantsSteps(before, slices);
  const has = yield* effectiveGrantsSteps(after, slices);
  const changes: EffectiveChange[] = [];
  for (const [key, grant] of had) {
    const now = has.get(key);
    if (now === undefined) changes.push({ action: 'revoke', grant });
    else {
      const conditions = conditionChanges(grant, now);
      if (conditions.length > 0 || grant.target !== now.target) changes.push({ action: 'change', before: grant, after: now, conditions });
    }
    if (slices.done()) yield;
  }
  for (const [key, grant] of has) if (!had.has(key)) changes.push({ action: 'grant', grant });
  yield;
  const grantOf = (c: EffectiveChange) => (c.action === 'change' ? c.after : c.grant);
  return changes.sort((a, b) => {
    const x = grantOf(a);
    const y = grantOf(b);
    return order(x.target, y.target) || order(x.group, y.group) || order(x.key, y.key);
  });
}

const ACCESS_STRENGTH = { standing: 0, 'break-glass': 1, eligible: 2 } as const;

function conditionChanges(a: EffectiveGrant, b: EffectiveGrant): ConditionChange[] {
  const out: ConditionChange[] = [];
  const push = (condition: ConditionChange['condition'], before: unknown, after: unknown, direction: Direction) => {
    if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ condition, before, after, direction });
  };
  push('access', a.access, b.access, ACCESS_STRENGTH[b.access] > ACCESS_STRENGTH[a.access] ? 'tightened' : 'loosened');
  push('mfa', a.mfa, b.mfa, b.mfa ? 'tightened' : 'loosened');
  push('cidrs', a.cidrs, b.cidrs, setDirection(a.cidrs, b.cidrs, true));
  push('maxSession', a.maxSessionSeconds, b.maxSessionSeconds, b.maxSessionSeconds < a.maxSessionSeconds ? 'tightened' : 'loosened');
  const p = a.approval;
  const q = b.approval;
  if (p !== undefined && q !== undefined) {
    push('approverGroups', p.approverGroups, q.approverGroups, setDirection(p.approverGroups, q.approverGroups, false));
    push('approvals', p.approvals, q.approvals, q.approvals > p.approvals ? 'tightened' : 'loosened');
    const [pg, qg] = [parseDurationText(p.maxGrant) ?? 0, parseDurationText(q.maxGrant) ?? 0];
    push('maxGrant', p.maxGrant, q.maxGrant, qg < pg ? 'tightened' : 'loosened');
    push('reasonRequired', p.reasonRequired, q.reasonRequired, q.reasonRequired ? 'tightened' : 'loosened');
    push(
      'ticketPattern',
      p.ticketPattern ?? null,
      q.ticketPattern ?? null,
      p.ticketPattern === undefined ? 'tightened' : q.ticketPattern === undefined ? 'loosened' : 'changed',
    );
    // Fewer groups approved at once tightens; more (less scrutiny) loosens.
    push('autoApproveGroups', p.autoApproveGroups, q.autoApproveGroups, setDirection(p.autoApproveGroups, q.autoApproveGroups, false));
  }
  return out;
}

/**
 * A list that narrows (after ⊂ before) tightened, one that widens loosened, any other change is
 * just changed. With `emptyIsAll` (source allow-lists) an empty list means "any".
 */
function setDirection(before: readonly string[], after: readonly string[], emptyIsAll: boolean): Direction {
  if (emptyIsAll && before.length === 0) return 'tightened';
  if (emptyIsAll && after.length === 0) return 'loosened';
  const b = new Set(before);
  const a = new Set(after);
  if ([...a].every((x) => b.has(x))) return 'tightened';
  if ([...b].every((x) => a.has(x))) return 'loosened';
  return 'changed';
}

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Someone a grant reaches: an identity as its latest sign-in showed it. */
export interface KnownIdentity {
  user: string;
  idp: string;
  groups: readonly string[];
}

/**
 * The identities a grant reaches: one of their groups matches its group (exact or glob), and they
 * came from its IdP, if it names one. Identities are indexed by group once, so a plan of many
 * grants over many identities costs the grants' matches, not grants × identities; a glob is
 * tested once per distinct group name.
 */
export function identityIndex<T extends KnownIdentity>(
  identities: readonly T[],
): (grant: Pick<EffectiveGrant, 'group' | 'match' | 'idp'>) => T[] {
  const byGroup = new Map<string, T[]>();
  for (const identity of identities) {
    for (const group of new Set(identity.groups)) {
      const list = byGroup.get(group);
      if (list === undefined) byGroup.set(group, [identity]);
      else list.push(identity);
    }
  }
  return (grant) => {
    const groups = grant.match === 'exact' ? [grant.group] : [...byGroup.keys()].filter((g) => globMatch(grant.group, g));
    const reached = new Set<T>();
    for (const group of groups)
      for (const identity of byGroup.get(group) ?? []) if (grant.idp === undefined || grant.idp === identity.idp) reached.add(identity);
    return [...reached];
  };
}

/** identityIndex for one grant. */
export function identitiesReached<T extends KnownIdentity>(
  grant: Pick<EffectiveGrant, 'group' | 'match' | 'idp'>,
  identities: readonly T[],
): T[] {
  return identityIndex(identities)(grant);
}

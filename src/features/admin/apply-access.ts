import type { AccessDocument } from '../../domain/access-document.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  ACCESS_KINDS,
  diffAccessInSteps,
  diffEffectiveAccessInSteps,
  entryKey,
  identityIndex,
  summarizeChanges,
  type AccessChange,
  type AccessKind,
  type EffectiveChange,
} from '../../domain/access-diff.js';
import type { SignedInIdentity } from '../../ports/audit-query.js';
import { parseRoleArn } from '../../domain/arn.js';
import type { AccessState, AccessWrite, Stored } from '../../ports/access-admin-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { accessChanged, actorFields, checkTransport, type Actor, type AdminDeps } from './admin-deps.js';

export interface ApplyResult {
  changes: AccessChange[];
  /** Plans only: the change in effective access, with the named users each change reaches when sign-ins are known. */
  effective?: (EffectiveChange & { users?: AffectedUser[] })[];
  summary: { add: number; change: number; remove: number };
  /** False for a dry run or when there was nothing to change. */
  applied: boolean;
}

/** The stored model as a document (what `rolegate export` writes). */
export function documentOf(state: AccessState, withIdentityProviders = false): AccessDocument {
  return {
    version: 1,
    ...(withIdentityProviders ? { identityProviders: state.identityProviders.map((s) => s.entry) } : {}),
    accounts: state.accounts.map((s) => s.entry),
    roles: state.roles.map((s) => s.entry),
    mappings: state.mappings.map((s) => s.entry),
  };
}

export async function exportAccess(deps: AdminDeps, options: { identityProviders?: boolean } = {}): Promise<AccessDocument> {
  return documentOf(await deps.store.read(), options.identityProviders === true);
}

export interface AffectedUser {
  user: string;
  username?: string;
  lastSignIn: string;
}

/** How many of the most recently seen identities a plan names users from. */
export const PLAN_IDENTITIES_LIMIT = 50_000;

/**
 * What applying the document would change, without changing anything: per
 * object, and in effective access — with, when `deps.signIns` is wired (the
 * caller passed the admin guard: an administrator or auditor), the identities
 * seen signing in that each change reaches, with their latest sign-in.
 */
export async function planAccess(deps: AdminDeps, document: AccessDocument): Promise<ApplyResult> {
  checkTransport(document, deps.transport);
  const current = documentOf(await deps.store.read(), true);
  // In slices that yield: a whole large file's diff would otherwise hold this instance's event loop for a second.
  const changes = await diffAccessInSteps(current, document, yieldToEventLoop);
  const effective = await diffEffectiveAccessInSteps(current, document, yieldToEventLoop);
  const identities = deps.signIns && effective.length > 0 ? await deps.signIns.lastSignIns(PLAN_IDENTITIES_LIMIT) : undefined;
  return {
    changes,
    effective: identities === undefined ? effective : withUsers(effective, identities),
    summary: summarizeChanges(changes),
    applied: false,
  };
}

function withUsers(
  effective: readonly EffectiveChange[],
  identities: readonly SignedInIdentity[],
): (EffectiveChange & { users: AffectedUser[] })[] {
  const reach = identityIndex(identities);
  return effective.map((change) => {
    const grants = change.action === 'change' ? [change.before, change.after] : [change.grant];
    const reached = new Map<string, SignedInIdentity>();
    for (const grant of grants) for (const identity of reach(grant)) reached.set(identity.user, identity);
    const users = [...reached.values()]
      .sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
      .map((i) => ({ user: i.user, ...(i.username !== undefined ? { username: i.username } : {}), lastSignIn: i.at.toISOString() }));
    return { ...change, users };
  });
}

/**
 * Makes the stored access model what the document says, in one transaction
 * (all or nothing) with one audit event per changed object (before/after).
 * Applying the same document again finds no changes and writes nothing.
 */
export async function applyAccess(deps: AdminDeps, actor: Actor, document: AccessDocument, options: { dryRun?: boolean } = {}) {
  if (options.dryRun === true) return planAccess(deps, document);
  checkTransport(document, deps.transport);
  const changes = await deps.store.transaction(async (state, write) => {
    const found = await diffAccessInSteps(documentOf(state, true), document, yieldToEventLoop);
    if (found.length > 0) await write(writesFor(found, state), await changeEvents(actor, found));
    return found;
  });
  if (changes.length > 0) {
    await accessChanged(deps, actor);
    actor.log.info({ event: 'admin.access.apply', summary: summarizeChanges(changes) }, 'access model applied');
  }
  return { changes, summary: summarizeChanges(changes), applied: changes.length > 0 };
}

/**
 * Removals first, most dependent kinds first (mappings → roles → accounts →
 * IdPs); then, the other way round, changes before additions (a value a
 * change frees, such as an alias, may be taken by an addition). Each stored
 * list is indexed by natural key once: O(changes + stored).
 */
function writesFor(changes: readonly AccessChange[], state: AccessState): AccessWrite[] {
  const byKind = new Map<AccessKind, AccessChange[]>(ACCESS_KINDS.map((kind) => [kind, []]));
  for (const change of changes) byKind.get(change.kind)?.push(change);
  const stored = new Map(ACCESS_KINDS.map((kind) => [kind, storedByKey(state, kind)]));
  const writes: AccessWrite[] = [];
  for (const kind of [...ACCESS_KINDS].reverse()) {
    const own = stored.get(kind);
    for (const change of byKind.get(kind) ?? []) {
      if (change.action !== 'remove') continue;
      for (const s of own?.get(change.key) ?? []) writes.push({ kind, action: 'remove', id: s.id, version: s.version });
    }
  }
  for (const kind of ACCESS_KINDS) {
    const own = stored.get(kind);
    const adds: AccessWrite[] = [];
    for (const change of byKind.get(kind) ?? []) {
      if (change.action === 'remove') continue;
      const existing = own?.get(change.key)?.[0];
      const entry = change.after ?? {};
      if (existing) writes.push({ kind, action: 'change', id: existing.id, version: existing.version, entry });
      else adds.push({ kind, action: 'add', entry });
    }
    writes.push(...adds);
  }
  return writes;
}

function storedByKey(state: AccessState, kind: AccessKind): Map<string, Stored<Record<string, unknown>>[]> {
  const list: Stored<Record<string, unknown>>[] =
    kind === 'identityProvider'
      ? state.identityProviders
      : kind === 'account'
        ? state.accounts
        : kind === 'role'
          ? state.roles
          : state.mappings;
  const map = new Map<string, Stored<Record<string, unknown>>[]>();
  for (const s of list) {
    const key = entryKey(kind, s.entry);
    const same = map.get(key);
    if (same === undefined) map.set(key, [s]);
    else same.push(s);
  }
  return map;
}

/** The audit events of an apply, a slice at a time (a whole file is tens of thousands). */
async function changeEvents(actor: Actor, changes: readonly AccessChange[]): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for (const change of changes) {
    events.push(changeEvent(actor, change, 'apply'));
    if (events.length % 2000 === 0) await yieldToEventLoop();
  }
  return events;
}

/** One audit event per changed object: `admin.<kind>.<add|change|remove>` with before and after. */
export function changeEvent(actor: Actor, change: AccessChange, via: 'apply' | 'api' | 'page'): AuditEvent {
  const roleArn =
    change.kind === 'role' ? change.key : change.kind === 'mapping' ? String((change.after ?? change.before)?.role) : undefined;
  const accountId = change.kind === 'account' ? change.key : roleArn ? accountOf(roleArn) : undefined;
  return {
    ...actorFields(actor),
    type: `admin.${change.kind}.${change.action}`,
    outcome: 'success',
    ...(roleArn ? { roleArn } : {}),
    ...(accountId ? { accountId } : {}),
    details: {
      via,
      key: change.key,
      ...(change.before ? { before: change.before } : {}),
      ...(change.after ? { after: change.after } : {}),
      ...(change.fields ? { fields: change.fields } : {}),
    },
  };
}

function accountOf(roleArn: string): string | undefined {
  const parsed = parseRoleArn(roleArn);
  return parsed.ok ? parsed.value.accountId : undefined;
}

import { accessDocumentSchema, entrySchemas } from '../../domain/access-document.js';
import { canonical, entryKey, type AccessChange } from '../../domain/access-diff.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessState, Stored } from '../../ports/access-admin-store.js';
import { accessChanged, checkTransport, type Actor, type AdminDeps } from './admin-deps.js';
import { changeEvent, documentOf } from './apply-access.js';

/** The objects the admin API edits one at a time. */
export type ObjectKind = 'account' | 'role' | 'mapping';

/** An object as the API shows it: its id and version, then its fields. */
export type ObjectView = { id: string; version: number } & Record<string, unknown>;

const listIn = (state: AccessState, kind: ObjectKind): Stored<Record<string, unknown>>[] =>
  kind === 'account' ? state.accounts : kind === 'role' ? state.roles : state.mappings;

const view = (s: Stored<Record<string, unknown>>): ObjectView => ({ id: s.id, version: s.version, ...s.entry });

export async function listObjects(deps: AdminDeps, kind: ObjectKind): Promise<ObjectView[]> {
  return listIn(await deps.store.read(), kind).map(view);
}

export async function getObject(deps: AdminDeps, kind: ObjectKind, id: string): Promise<ObjectView> {
  return view(find(await deps.store.read(), kind, id));
}

/** Validates the fields (400), checks the whole model still holds together (409), writes with its audit event, and returns the stored object. */
export async function createObject(deps: AdminDeps, actor: Actor, kind: ObjectKind, body: unknown): Promise<ObjectView> {
  const entry = entrySchemas[kind].parse(body) as Record<string, unknown>;
  if (kind === 'account') checkTransport({ accounts: [entry] }, deps.transport);
  const key = entryKey(kind, entry);
  await deps.store.transaction(async (state, write) => {
    if (listIn(state, kind).some((s) => entryKey(kind, s.entry) === key))
      throw new RolegateError('conflict', { detail: `A ${kind} ${key} exists already` });
    checkModel(state, kind, { add: entry });
    const change: AccessChange = { kind, action: 'add', key, after: canonical(entry) };
    await write([{ kind, action: 'add', entry }], [changeEvent(actor, change, 'api')]);
  });
  await accessChanged(deps, actor);
  const state = await deps.store.read();
  const created = listIn(state, kind).find((s) => entryKey(kind, s.entry) === key);
  if (!created) throw new RolegateError('conflict', { detail: `The ${kind} was removed again at once` });
  return view(created);
}

/** Replaces an object's fields if it is still at `version` (412 otherwise). */
export async function updateObject(
  deps: AdminDeps,
  actor: Actor,
  kind: ObjectKind,
  id: string,
  version: number | undefined,
  body: unknown,
): Promise<ObjectView> {
  const entry = entrySchemas[kind].parse(body) as Record<string, unknown>;
  if (kind === 'account') checkTransport({ accounts: [entry] }, deps.transport);
  await deps.store.transaction(async (state, write) => {
    const stored = find(state, kind, id);
    checkVersion(stored, version);
    if (kind === 'account' && entry.id !== stored.entry.id)
      throw new RolegateError('invalid_request', { detail: 'An account id cannot change; create the new account instead' });
    const before = canonical(stored.entry);
    const after = canonical(entry);
    const fields = Object.keys({ ...before, ...after }).filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
    if (fields.length === 0) return;
    checkModel(state, kind, { replace: id, with: entry });
    const change: AccessChange = { kind, action: 'change', key: entryKey(kind, entry), before, after, fields: fields.sort() };
    await write([{ kind, action: 'change', id, version: stored.version, entry }], [changeEvent(actor, change, 'api')]);
  });
  await accessChanged(deps, actor);
  return getObject(deps, kind, id);
}

export async function deleteObject(
  deps: AdminDeps,
  actor: Actor,
  kind: ObjectKind,
  id: string,
  version: number | undefined,
): Promise<void> {
  await deps.store.transaction(async (state, write) => {
    const stored = find(state, kind, id);
    checkVersion(stored, version);
    checkModel(state, kind, { replace: id });
    const change: AccessChange = { kind, action: 'remove', key: entryKey(kind, stored.entry), before: canonical(stored.entry) };
    await write([{ kind, action: 'remove', id, version: stored.version }], [changeEvent(actor, change, 'api')]);
  });
  await accessChanged(deps, actor);
}

function find(state: AccessState, kind: ObjectKind, id: string): Stored<Record<string, unknown>> {
  const stored = listIn(state, kind).find((s) => s.id === id);
  if (!stored) throw new RolegateError('not_found', { detail: `No ${kind} ${id.slice(0, 80)}` });
  return stored;
}

/** Optimistic concurrency: the caller must say which version it read (If-Match or `version`). */
function checkVersion(stored: Stored<unknown>, version: number | undefined): void {
  if (version === undefined)
    throw new RolegateError('precondition_failed', {
      detail: 'Send the version you read: If-Match: "<version>" or a version field',
      status: 428,
    });
  if (version !== stored.version)
    throw new RolegateError('precondition_failed', {
      detail: `The object is at version ${String(stored.version)}, not ${String(version)}: it changed since you read it`,
      extras: { currentVersion: stored.version },
    });
}

/** The whole model after the edit must still hold together: roles in listed accounts, mappings naming existing roles. */
function checkModel(
  state: AccessState,
  kind: ObjectKind,
  edit: { add?: Record<string, unknown>; replace?: string; with?: Record<string, unknown> },
): void {
  const list = (k: ObjectKind) => {
    const entries = listIn(state, k).flatMap((s) => (k === kind && s.id === edit.replace ? (edit.with ? [edit.with] : []) : [s.entry]));
    return k === kind && edit.add ? [...entries, edit.add] : entries;
  };
  const doc = { ...documentOf(state, true), accounts: list('account'), roles: list('role'), mappings: list('mapping') };
  const result = accessDocumentSchema.safeParse(doc);
  if (!result.success) {
    throw new RolegateError('conflict', {
      detail: `The change would break the access model: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  }
}

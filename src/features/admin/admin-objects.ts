import { randomUUID } from 'node:crypto';
import { entrySchemas, type AccessDocument } from '../../domain/access-document.js';
import { canonical, entryKey, type AccessChange } from '../../domain/access-diff.js';
import { RolegateError } from '../../domain/errors.js';
import type { AccessState, ObjectKind, Stored } from '../../ports/access-admin-store.js';
import { accessChanged, checkTransport, type Actor, type AdminDeps } from './admin-deps.js';
import { changeEvent } from './apply-access.js';
import { ModelCheck, type ModelEntry } from './model-check.js';

export type { ObjectKind } from '../../ports/access-admin-store.js';

/** Where an edit came from, recorded as the audit event's `details.via`: the admin API or the admin pages. */
export interface EditOptions {
  via?: 'api' | 'page';
}

/** An object as the API shows it: its id and version, then its fields. */
export type ObjectView = { id: string; version: number } & Record<string, unknown>;

const listIn = (state: AccessState, kind: ObjectKind): Stored<Record<string, unknown>>[] =>
  kind === 'account' ? state.accounts : kind === 'role' ? state.roles : state.mappings;

const view = (s: Stored<Record<string, unknown>>): ObjectView => ({ id: s.id, version: s.version, ...s.entry });

export async function listObjects(deps: AdminDeps, kind: ObjectKind): Promise<ObjectView[]> {
  return listIn(await deps.store.read(), kind).map(view);
}

/** Every account, role and mapping with its id and version, from one read (the admin pages' listing). */
export async function accessObjects(deps: AdminDeps): Promise<Pick<AccessState, 'accounts' | 'roles' | 'mappings'>> {
  const { accounts, roles, mappings } = await deps.store.read();
  return { accounts, roles, mappings };
}

export async function getObject(deps: AdminDeps, kind: ObjectKind, id: string): Promise<ObjectView> {
  const stored = await deps.store.readObject(kind, id);
  if (!stored) throw notFound(kind, id);
  return view(stored);
}

/** Validates the fields (400), checks the whole model still holds together (409), writes with its audit event, and returns the stored object. */
export async function createObject(
  deps: AdminDeps,
  actor: Actor,
  kind: ObjectKind,
  body: unknown,
  options: EditOptions = {},
): Promise<ObjectView> {
  const entry = entrySchemas[kind].parse(body) as Record<string, unknown>;
  if (kind === 'account') checkTransport({ accounts: [entry] }, deps.transport);
  const key = entryKey(kind, entry);
  // Chosen here, so the object is read back by id rather than found in the whole model.
  const id = kind === 'account' ? String(entry.id) : randomUUID();
  await deps.store.transaction(async (state, write) => {
    if (listIn(state, kind).some((s) => entryKey(kind, s.entry) === key))
      throw new RolegateError('conflict', { detail: `A ${kind} ${key} exists already` });
    checkModel(deps, state, kind, { add: entry });
    const change: AccessChange = { kind, action: 'add', key, after: canonical(entry) };
    await write([{ kind, action: 'add', entry, id }], [changeEvent(actor, change, options.via ?? 'api')]);
  });
  await accessChanged(deps, actor);
  const created = await deps.store.readObject(kind, id);
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
  options: EditOptions = {},
): Promise<ObjectView> {
  const entry = entrySchemas[kind].parse(body) as Record<string, unknown>;
  if (kind === 'account') checkTransport({ accounts: [entry] }, deps.transport);
  await deps.store.transaction(async (state, write) => {
    const stored = find(state, kind, id);
    checkVersion(stored, version);
    checkAccountId(kind, stored, entry);
    const before = canonical(stored.entry);
    const after = canonical(entry);
    const fields = Object.keys({ ...before, ...after }).filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
    if (fields.length === 0) return;
    checkModel(deps, state, kind, { replace: id, with: entry });
    const change: AccessChange = { kind, action: 'change', key: entryKey(kind, entry), before, after, fields: fields.sort() };
    await write([{ kind, action: 'change', id, version: stored.version, entry }], [changeEvent(actor, change, options.via ?? 'api')]);
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
  options: EditOptions = {},
): Promise<void> {
  await deps.store.transaction(async (state, write) => {
    const stored = find(state, kind, id);
    checkVersion(stored, version);
    checkModel(deps, state, kind, { replace: id });
    const change: AccessChange = { kind, action: 'remove', key: entryKey(kind, stored.entry), before: canonical(stored.entry) };
    await write([{ kind, action: 'remove', id, version: stored.version }], [changeEvent(actor, change, options.via ?? 'api')]);
  });
  await accessChanged(deps, actor);
}

/** An edit the admin pages preview instead of saving when the access model is managed as code. */
export type ObjectEdit =
  { action: 'add'; body: unknown } | { action: 'change'; id: string; body: unknown } | { action: 'remove'; id: string };

/**
 * What the access model would be after one edit, validated exactly as createObject,
 * updateObject and deleteObject validate it (400 for the fields, 409 for the model, 404 for
 * an unknown id), without writing anything: the document to commit, and the edited entry.
 */
export async function previewObjectEdit(
  deps: AdminDeps,
  kind: ObjectKind,
  edit: ObjectEdit,
): Promise<{ document: AccessDocument; entry?: Record<string, unknown>; before?: Record<string, unknown> }> {
  const entry = edit.action === 'remove' ? undefined : (entrySchemas[kind].parse(edit.body) as Record<string, unknown>);
  if (kind === 'account' && entry) checkTransport({ accounts: [entry] }, deps.transport);
  const state = await deps.store.read();
  if (edit.action === 'add') {
    const key = entryKey(kind, entry ?? {});
    if (listIn(state, kind).some((s) => entryKey(kind, s.entry) === key))
      throw new RolegateError('conflict', { detail: `A ${kind} ${key} exists already` });
    return { document: checkModel(deps, state, kind, { add: entry ?? {} }), ...(entry ? { entry } : {}) };
  }
  const stored = find(state, kind, edit.id);
  if (entry) checkAccountId(kind, stored, entry);
  const document = checkModel(deps, state, kind, entry ? { replace: edit.id, with: entry } : { replace: edit.id });
  return { document, ...(entry ? { entry } : {}), before: stored.entry };
}

function checkAccountId(kind: ObjectKind, stored: Stored<Record<string, unknown>>, entry: Record<string, unknown>): void {
  if (kind === 'account' && entry.id !== stored.entry.id)
    throw new RolegateError('invalid_request', { detail: 'An account id cannot change; create the new account instead' });
}

function find(state: AccessState, kind: ObjectKind, id: string): Stored<Record<string, unknown>> {
  const stored = listIn(state, kind).find((s) => s.id === id);
  if (!stored) throw notFound(kind, id);
  return stored;
}

const notFound = (kind: ObjectKind, id: string) => new RolegateError('not_found', { detail: `No ${kind} ${id.slice(0, 80)}` });

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

const SECTIONS: Record<ObjectKind, 'accounts' | 'roles' | 'mappings'> = { account: 'accounts', role: 'roles', mapping: 'mappings' };

/**
 * The whole model after the edit must still hold together: roles in listed accounts, mappings
 * naming existing roles (409 otherwise; the problems of the edited object itself are also in
 * `issues`, with paths inside the object, as a 400 names them). Returns the model after the edit.
 */
function checkModel(
  deps: Pick<AdminDeps, 'modelCheck'>,
  state: AccessState,
  kind: ObjectKind,
  edit: { add?: Record<string, unknown>; replace?: string; with?: Record<string, unknown> },
): AccessDocument {
  const list = (k: ObjectKind): ModelEntry[] => {
    const entries = listIn(state, k).flatMap((s) =>
      k === kind && s.id === edit.replace ? (edit.with ? [{ entry: edit.with }] : []) : [{ id: s.id, entry: s.entry }],
    );
    return k === kind && edit.add ? [...entries, { entry: edit.add }] : entries;
  };
  const doc = {
    identityProviders: state.identityProviders.map((s) => ({ id: s.id, entry: s.entry })),
    accounts: list('account'),
    roles: list('role'),
    mappings: list('mapping'),
  };
  const result = (deps.modelCheck ?? new ModelCheck()).parse(doc);
  if (!result.success) {
    // Where the edited object sits in its section of the document checked above.
    const edited = edit.add ? doc[SECTIONS[kind]].length - 1 : edit.with ? listIn(state, kind).findIndex((s) => s.id === edit.replace) : -1;
    const own = result.error.issues.filter((i) => i.path[0] === SECTIONS[kind] && i.path[1] === edited && edited >= 0);
    throw new RolegateError('conflict', {
      detail: `The change would break the access model: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      ...(own.length > 0
        ? { extras: { issues: own.map((i) => ({ path: i.path.slice(2).map(String).join('.'), message: i.message })) } }
        : {}),
    });
  }
  return result.data;
}

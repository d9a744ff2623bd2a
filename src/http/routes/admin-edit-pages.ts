import { Router, type Request, type Response } from 'express';
import { ZodError, z } from 'zod';
import { entrySchemas } from '../../domain/access-document.js';
import { canonical } from '../../domain/access-diff.js';
import { RolegateError } from '../../domain/errors.js';
import { renderAccessFragment, renderAccessYaml } from '../../features/admin/access-file.js';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import {
  accessObjects,
  createObject,
  deleteObject,
  getObject,
  previewObjectEdit,
  updateObject,
  type ObjectEdit,
  type ObjectView,
} from '../../features/admin/admin-objects.js';
import { adminRoleOf, type AdminGroups } from '../middleware/admin-auth.js';
import { callerOf } from '../middleware/caller-of.js';
import { asRolegateError } from '../problem.js';
import {
  accessObjectsPage,
  conflictPage,
  deleteConfirmPage,
  FIELDS,
  fileToApplyPage,
  labelOf,
  objectFormPage,
  PLURAL,
  type AsCode,
  type EditKind,
  type FieldErrors,
  type FormValues,
} from '../views/admin/access-edit-pages.js';

const KINDS: readonly EditKind[] = ['account', 'role', 'mapping'];
const idParam = z.object({ id: z.string().min(1).max(64) });
const VIA = { via: 'page' } as const;
/** Rows per section of the listing: a large model (20,000 roles) is paged, not sent whole. */
const LIST_LIMIT = 100;
const MAX_SUGGESTIONS = 1000;
const listQuery = z.strictObject({
  kind: z.enum(['account', 'role', 'mapping']).optional(),
  q: z.string().max(200).default(''),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  // The notice after a change (noticeOf).
  saved: z.string().max(20).optional(),
  deleted: z.string().max(20).optional(),
  id: z.string().max(64).optional(),
});

/**
 * /admin/access: accounts, roles and group mappings edited in forms, over the same use cases
 * as the admin API (features/admin/admin-objects.ts: one validation, the same audit events,
 * `details.via: "page"`), with the version the form was read at as its If-Match: a stale form
 * gets a conflict page with both versions, never an overwrite. When the access model is
 * managed as code (admin.accessAsCode), an edit is checked and shown as the YAML to commit
 * instead of being saved. Mounted behind adminGuard in page mode (CSRF, auditors read only).
 */
export function adminEditPages(deps: { admin: AdminDeps; groups: AdminGroups; asCode?: AsCode }): Router {
  const router = Router();
  const { admin, asCode } = deps;
  const canEdit = (req: Request) => (req.caller ? adminRoleOf(req.caller.principal, deps.groups) === 'admin' : false);
  const shared = (req: Request) => ({ csrfToken: csrfOf(req), canEdit: canEdit(req), ...(asCode ? { asCode } : {}) });

  router.get('/admin/access', async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success)
      throw new RolegateError('invalid_request', {
        detail: 'The listing takes kind (account, role or mapping), q (at most 200 characters) and offset (0 or more), each once',
      });
    const { kind, q, offset } = query.data;
    const objects = await accessObjects(admin);
    const needle = q.trim().toLowerCase();
    const page = <E>(k: EditKind, rows: { id: string; version: number; entry: E }[], text: (e: E) => string) => {
      if (kind !== undefined && kind !== k) return undefined;
      const matching = needle === '' ? rows : rows.filter((r) => text(r.entry).toLowerCase().includes(needle));
      const from = kind === k ? offset : 0;
      return { rows: matching.slice(from, from + LIST_LIMIT), total: matching.length, offset: from };
    };
    const accounts = page('account', objects.accounts, (a) => `${a.alias} ${a.id} ${(a.tags ?? []).join(' ')}`);
    const roles = page('role', objects.roles, (r) => `${r.arn} ${r.description}`);
    const mappings = page('mapping', objects.mappings, (m) => `${m.group} ${m.role} ${m.idp ?? ''}`);
    send(
      res,
      accessObjectsPage({
        ...(accounts ? { accounts } : {}),
        ...(roles ? { roles } : {}),
        ...(mappings ? { mappings } : {}),
        q,
        limit: LIST_LIMIT,
        canEdit: canEdit(req),
        ...(asCode ? { asCode } : {}),
        ...(await noticeOf(admin, req)),
      }),
    );
  });

  for (const kind of KINDS) {
    const base = `/admin/access/${PLURAL[kind]}`;
    // Suggestions for a mapping's role, while there are few enough to be suggestions (a large model's would be megabytes).
    const roleArns = async () => {
      const roles = kind === 'mapping' ? (await accessObjects(admin)).roles : [];
      return roles.length <= MAX_SUGGESTIONS ? roles.map((r) => r.entry.arn) : [];
    };
    const formPage = async (req: Request, res: Response, values: FormValues, extra: FormExtras = {}) => {
      send(res, objectFormPage({ kind, values, ...shared(req), roleArns: await roleArns(), ...extra }), extra.status ?? 200);
    };

    router.get(`${base}/new`, async (req, res) => {
      await formPage(req, res, defaultsOf(kind));
    });

    router.post(base, async (req, res) => {
      const values = formValuesOf(req, kind);
      const entry = entryOf(kind, values, undefined);
      try {
        if (asCode) {
          showFileToApply(res, kind, await previewObjectEdit(admin, kind, { action: 'add', body: entry }), 'add', asCode);
          return;
        }
        const created = await createObject(admin, callerOf(req), kind, entry, VIA);
        res.redirect(303, `/admin/access?saved=${kind}&id=${encodeURIComponent(created.id)}`);
      } catch (error) {
        await formPage(req, res, values, problemsOf(kind, error));
      }
    });

    router.get(`${base}/:id`, async (req, res) => {
      const object = await getObject(admin, kind, idOf(req));
      await formPage(req, res, valuesOf(kind, object), { id: object.id, version: object.version });
    });

    router.post(`${base}/:id`, async (req, res) => {
      const id = idOf(req);
      const values = formValuesOf(req, kind);
      const version = versionOf(values);
      // No read before the save: updateObject reads in its transaction, and says not_found or precondition_failed.
      const entry = entryOf(kind, values, { id });
      const ids = { id, ...(version === undefined ? {} : { version }) };
      try {
        if (asCode) {
          showFileToApply(res, kind, await previewObjectEdit(admin, kind, { action: 'change', id, body: entry }), 'change', asCode);
          return;
        }
        await updateObject(admin, callerOf(req), kind, id, version, entry, VIA);
        res.redirect(303, `/admin/access?saved=${kind}&id=${encodeURIComponent(id)}`);
      } catch (error) {
        // A form read at a version whose object is gone was deleted since: the conflict page says so (404).
        const gone = error instanceof RolegateError && error.code === 'not_found';
        if ((isStale(error) || gone) && version !== undefined) {
          await showConflict(req, res, kind, { id, version, entry, values, action: 'change' });
          return;
        }
        await formPage(req, res, values, { ...ids, ...problemsOf(kind, error) });
      }
    });

    router.get(`${base}/:id/delete`, async (req, res) => {
      const object = await getObject(admin, kind, idOf(req));
      send(res, deletePage(kind, object, req, asCode));
    });

    router.post(`${base}/:id/delete`, async (req, res) => {
      const id = idOf(req);
      const values = formValuesOf(req, kind);
      const version = versionOf(values);
      try {
        if (asCode) {
          const object = await getObject(admin, kind, id);
          showFileToApply(
            res,
            kind,
            { ...(await previewObjectEdit(admin, kind, { action: 'remove', id })), entry: entryFields(object, kind) },
            'remove',
            asCode,
          );
          return;
        }
        await deleteObject(admin, callerOf(req), kind, id, version, VIA);
        res.redirect(303, `/admin/access?deleted=${kind}`);
      } catch (error) {
        const gone = error instanceof RolegateError && error.code === 'not_found';
        if ((isStale(error) || gone) && version !== undefined) {
          await showConflict(req, res, kind, { id, version, action: 'delete' });
          return;
        }
        const known = asRolegateError(error);
        if (known.code === 'not_found' || known.status >= 500) throw error;
        const object = await getObject(admin, kind, id);
        send(res, deletePage(kind, object, req, asCode, known.detail), known.status);
      }
    });
  }

  /** The stale form: both versions side by side (412), or the deletion it ran into (404 when the object is gone). */
  async function showConflict(
    req: Request,
    res: Response,
    kind: EditKind,
    sent: { id: string; version: number; entry?: Record<string, unknown>; values?: FormValues; action: 'change' | 'delete' },
  ): Promise<void> {
    // Gone is an answer (the deletion it ran into); an outage is not, and stays a 503.
    const current = await getObject(admin, kind, sent.id).catch((error: unknown) => {
      if (error instanceof RolegateError && error.code === 'not_found') return undefined;
      throw error;
    });
    const mine = sent.entry ?? {};
    const yours =
      sent.action === 'delete' ? `# delete the ${kind} at version ${String(sent.version)}\n` : renderAccessFragment(PLURAL[kind], mine);
    if (!current) {
      send(res, conflictPage({ kind, id: sent.id, sentVersion: sent.version, yours, action: sent.action }), 404);
      return;
    }
    const theirs = canonical(entryFields(current, kind));
    const parsedMine = entrySchemas[kind].safeParse(mine);
    const ours = canonical(parsedMine.success ? parsedMine.data : mine);
    const fields =
      sent.action === 'delete'
        ? []
        : Object.keys({ ...theirs, ...ours })
            .filter((f) => JSON.stringify(theirs[f]) !== JSON.stringify(ours[f]))
            .sort();
    send(
      res,
      conflictPage({
        kind,
        id: sent.id,
        sentVersion: sent.version,
        yours,
        current: { version: current.version, yaml: renderAccessFragment(PLURAL[kind], entryFields(current, kind)), fields },
        action: sent.action,
        ...(sent.values && canEdit(req) ? { keep: { values: sent.values, csrfToken: csrfOf(req) } } : {}),
      }),
      412,
    );
  }

  return router;
}

interface FormExtras {
  id?: string;
  version?: number;
  errors?: FieldErrors;
  detail?: string;
  status?: number;
}

function send(res: Response, body: string, status = 200): void {
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.type('text/html').send(body);
}

function csrfOf(req: Request): string {
  const token = req.session?.csrfToken;
  if (token === undefined) throw new RolegateError('login_required', { detail: 'Sign in first' });
  return token;
}

function idOf(req: Request): string {
  const parsed = idParam.safeParse(req.params);
  if (!parsed.success) throw new RolegateError('invalid_request', { detail: 'The id in the address must be 1-64 characters' });
  return parsed.data.id;
}

function deletePage(kind: EditKind, object: ObjectView, req: Request, asCode: AsCode | undefined, detail?: string): string {
  const entry = entryFields(object, kind);
  return deleteConfirmPage({
    kind,
    id: object.id,
    version: object.version,
    label: labelOf(kind, entry),
    yaml: renderAccessFragment(PLURAL[kind], entry),
    csrfToken: csrfOf(req),
    ...(asCode ? { asCode } : {}),
    ...(detail === undefined ? {} : { detail }),
  });
}

/** "Saved …" / "Deleted …" after the redirect that follows a change (the object is read again, nothing is taken from the query as text). */
async function noticeOf(admin: AdminDeps, req: Request): Promise<{ notice?: string }> {
  const kind = KINDS.find((k) => k === req.query.saved || k === req.query.deleted);
  if (!kind) return {};
  if (req.query.deleted === kind) return { notice: `Deleted the ${kind}.` };
  const id = typeof req.query.id === 'string' && req.query.id.length <= 64 ? req.query.id : undefined;
  const object = id === undefined ? undefined : await getObject(admin, kind, id).catch(() => undefined);
  return object
    ? { notice: `Saved the ${kind} ${labelOf(kind, entryFields(object, kind))} (version ${String(object.version)}).` }
    : { notice: `Saved the ${kind}.` };
}

/** An object's fields as the access file has them (an account's id is one of its fields; other ids are the server's). */
function entryFields(object: ObjectView, kind: EditKind): Record<string, unknown> {
  const { id: _id, version: _version, ...entry } = object;
  return kind === 'account' ? { id: object.id, ...entry } : entry;
}

function isStale(error: unknown): boolean {
  return error instanceof RolegateError && error.code === 'precondition_failed' && error.status === 412;
}

/** The form's fields as text, each at most once (a repeated or non-text field is a 400, not a guess). */
function formValuesOf(req: Request, kind: EditKind): FormValues {
  if (!req.is('application/x-www-form-urlencoded'))
    throw new RolegateError('unsupported_media_type', { detail: 'Send the form as application/x-www-form-urlencoded' });
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values: FormValues = {};
  for (const name of [...FIELDS[kind].map((f) => f.name), 'version']) {
    const value = Object.hasOwn(body, name) ? body[name] : undefined;
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new RolegateError('invalid_request', { detail: `The form field ${name} was sent more than once` });
    values[name] = value;
  }
  return values;
}

/** The version the form was read at: its If-Match. Missing is 428 (the API's answer), malformed 400. */
function versionOf(values: FormValues): number | undefined {
  const text = values.version;
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,9}$/.test(text))
    throw new RolegateError('invalid_request', { detail: 'The form’s version must be the version you read, e.g. 3' });
  return Number(text);
}

const splitList = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The object a form describes, in the shape of the access file (so the one schema validates it):
 * empty fields are left out (the schema's defaults apply), numbers are numbers when they are
 * digits (otherwise the text goes on, and the schema says what it expected), lists are split.
 */
function entryOf(kind: EditKind, values: FormValues, stored: { id: string } | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  const set = (path: string, value: unknown) => {
    const [head, tail] = path.split('.', 2) as [string, string | undefined];
    if (tail === undefined) entry[head] = value;
    else entry[head] = { ...(entry[head] ?? {}), [tail]: value };
  };
  for (const spec of FIELDS[kind]) {
    if (spec.createOnly && stored) continue;
    const raw = values[spec.name] ?? '';
    if (spec.type === 'checkbox') {
      if (spec.group === undefined) set(spec.name, raw === 'on');
      continue;
    }
    const text = raw.trim();
    if (text === '') continue;
    if (spec.type === 'number' || spec.name === 'approval.approvals') set(spec.name, /^-?\d{1,15}$/.test(text) ? Number(text) : text);
    else if (spec.type === 'list') set(spec.name, splitList(text, /[,\n]/));
    else if (spec.type === 'lines') set(spec.name, splitList(text, /\r?\n/));
    else set(spec.name, text);
  }
  if (kind === 'account' && stored) entry.id = stored.id;
  if (kind === 'mapping') {
    // The approval policy is there when any of its fields was filled in (the schema then says that an
    // eligible mapping needs one, or that a standing one has none). "Approvals" and "a reason is required" alone are its defaults.
    const approval = (entry.approval as Record<string, unknown> | undefined) ?? {};
    if (Object.keys(approval).some((k) => k !== 'approvals'))
      entry.approval = { ...approval, reasonRequired: values['approval.reasonRequired'] === 'on' };
    else delete entry.approval;
  }
  return entry;
}

/** A stored object as the form's text. */
function valuesOf(kind: EditKind, object: ObjectView): FormValues {
  const entry = entryFields(object, kind);
  const values: FormValues = {};
  for (const spec of FIELDS[kind]) {
    const [head, tail] = spec.name.split('.', 2) as [string, string | undefined];
    const parent = tail === undefined ? entry : (entry[head] as Record<string, unknown> | undefined);
    const value = parent?.[tail ?? head];
    if (value === undefined || value === null) continue;
    if (spec.type === 'checkbox') values[spec.name] = value === true ? 'on' : '';
    else if (Array.isArray(value)) values[spec.name] = value.map(String).join(spec.type === 'lines' ? '\n' : ', ');
    else if (spec.type === 'json' && typeof value === 'string') values[spec.name] = prettyJson(value);
    else values[spec.name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return values;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function defaultsOf(kind: EditKind): FormValues {
  return kind === 'mapping'
    ? { 'approval.reasonRequired': 'on' }
    : kind === 'account'
      ? { region: 'us-east-1' }
      : { maxSessionSeconds: '3600' };
}

/** A refused edit as the form shows it: each problem beside its field, in the API's words, with the API's status. */
function problemsOf(kind: EditKind, error: unknown): FormExtras {
  const known = asRolegateError(error);
  // Not the form's problem: unknown ids, outages, refusals. The error page (or problem+json) says so.
  if (known.status >= 500 || ['not_found', 'forbidden', 'login_required'].includes(known.code)) throw error;
  const errors: FieldErrors = new Map();
  const add = (field: string, message: string) => errors.set(field, [...(errors.get(field) ?? []), message]);
  const issues =
    error instanceof ZodError
      ? error.issues.map((i) => ({ path: i.path.map(String), message: i.message }))
      : ((known.extras.issues as { path: string; message: string }[] | undefined) ?? []).map((i) => ({
          path: i.path === '' ? [] : i.path.split('.'),
          message: i.message,
        }));
  for (const issue of issues) add(fieldFor(kind, issue.path), issue.message);
  if (issues.length === 0) add(known.detail.includes(': stsEndpoint ') ? 'stsEndpoint' : '', known.detail);
  return { errors, detail: known.detail, status: known.status };
}

/** The form field an issue's path names: the deepest field or fieldset on it ('' for the form as a whole). */
function fieldFor(kind: EditKind, path: readonly string[]): string {
  const names = new Set(FIELDS[kind].flatMap((f) => [f.name, ...(f.group ? [f.group] : [])]));
  for (let depth = path.length; depth > 0; depth--) {
    const name = path.slice(0, depth).join('.');
    if (names.has(name)) return name;
  }
  return '';
}

/** Managed as code: the checked edit as YAML to commit (the whole file without identity providers, as `rolegate export` writes it). */
function showFileToApply(
  res: Response,
  kind: EditKind,
  preview: Awaited<ReturnType<typeof previewObjectEdit>>,
  action: ObjectEdit['action'],
  asCode: AsCode,
): void {
  const { identityProviders: _idps, ...document } = preview.document;
  const entry = (action === 'remove' ? (preview.entry ?? preview.before) : preview.entry) ?? {};
  send(
    res,
    fileToApplyPage({
      kind,
      action,
      label: labelOf(kind, entry),
      fragment: renderAccessFragment(PLURAL[kind], entry),
      document,
      whole: renderAccessYaml(document),
      asCode,
    }),
  );
}

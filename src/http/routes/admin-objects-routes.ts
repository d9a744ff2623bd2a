import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { RolegateError } from '../../domain/errors.js';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import {
  createObject,
  deleteObject,
  getObject,
  listObjects,
  updateObject,
  type ObjectKind,
  type ObjectView,
} from '../../features/admin/admin-objects.js';
import { callerOf } from '../middleware/caller-of.js';

const KINDS: Record<string, ObjectKind> = { accounts: 'account', roles: 'role', mappings: 'mapping' };
const idParam = z.object({ id: z.string().min(1).max(64) });

/**
 * /api/v1/admin/accounts|roles|mappings: list, get, create, update (full
 * replacement), delete. Optimistic concurrency: answers carry `ETag: "<version>"`;
 * updates and deletes need `If-Match` (or a `version` field) and get 412
 * when the object changed since. Mounted behind adminGuard.
 */
export function adminObjectsRoutes(deps: { admin: AdminDeps }): Router {
  const router = Router();
  for (const [plural, kind] of Object.entries(KINDS)) {
    const base = `/api/v1/admin/${plural}`;
    router.get(base, async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ [plural]: await listObjects(deps.admin, kind) });
    });
    router.get(`${base}/:id`, async (req, res) => {
      send(res, await getObject(deps.admin, kind, idParam.parse(req.params).id));
    });
    router.post(base, async (req, res) => {
      send(res.status(201).setHeader('Location', `${base}/`), await createObject(deps.admin, callerOf(req), kind, fields(req, kind)), base);
    });
    router.put(`${base}/:id`, async (req, res) => {
      const { id } = idParam.parse(req.params);
      send(res, await updateObject(deps.admin, callerOf(req), kind, id, versionOf(req), fields(req, kind)));
    });
    router.delete(`${base}/:id`, async (req, res) => {
      const { id } = idParam.parse(req.params);
      await deleteObject(deps.admin, callerOf(req), kind, id, versionOf(req));
      res.setHeader('Cache-Control', 'no-store');
      res.status(204).end();
    });
  }
  return router;
}

function send(res: Response, object: ObjectView, base?: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('ETag', `"${String(object.version)}"`);
  if (base) res.setHeader('Location', `${base}/${encodeURIComponent(object.id)}`);
  res.json(object);
}

/** The body without the members the server owns (id of generated objects, version, CSRF field). */
function fields(req: Request, kind: ObjectKind): Record<string, unknown> {
  if (!req.is('application/json') || typeof req.body !== 'object' || req.body === null)
    throw new RolegateError('unsupported_media_type', { detail: 'Send the object as application/json' });
  const { version: _v, _csrf: _c, ...rest } = req.body as Record<string, unknown>;
  // An account's id is its AWS account id (a field); other objects' ids are the server's.
  if (kind !== 'account') delete rest.id;
  return rest;
}

/** If-Match: "<version>" (or W/"<version>"), else a numeric `version` in the body. */
function versionOf(req: Request): number | undefined {
  const header = req.headers['if-match'];
  if (typeof header === 'string') {
    const match = /^(?:W\/)?"(\d{1,9})"$/.exec(header.trim());
    if (!match) throw new RolegateError('invalid_request', { detail: 'If-Match must be the ETag you read, e.g. "3"' });
    return Number(match[1]);
  }
  const version = (req.body as { version?: unknown } | undefined)?.version;
  return typeof version === 'number' && Number.isInteger(version) ? version : undefined;
}

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Router, type Request, type Response } from 'express';
import { accessApplyRequestSchema, type AccessApplyResponse, type AccessExportResponse } from '../../contracts/admin.js';
import type { AccessDocument } from '../../domain/access-document.js';
import { RolegateError } from '../../domain/errors.js';
import {
  formatProblem,
  parseAccessObject,
  parseAccessYaml,
  renderAccessYaml,
  type AccessFileResult,
} from '../../features/admin/access-file.js';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import { applyAccess, exportAccess, planAccess } from '../../features/admin/apply-access.js';
import { callerOf } from '../middleware/caller-of.js';
import { drainedOrClosed } from '../stream-body.js';
import { jsonInSlices } from '../../support/json-in-slices.js';

/**
 * Access as code over HTTP (docs/admin.md): plan (diff only), apply (one
 * transaction; `dryRun` plans) and export (YAML). Mounted behind adminGuard.
 */
export function adminAccessRoutes(deps: { admin: AdminDeps }): Router {
  const router = Router();

  router.post('/api/v1/admin/access/plan', async (req, res) => {
    const { document } = await documentFrom(req, deps.admin);
    res.setHeader('Cache-Control', 'no-store');
    await sendJsonInSlices(res, { ...(await planAccess(deps.admin, document)), dryRun: true } satisfies AccessApplyResponse);
  });

  router.post('/api/v1/admin/access/apply', async (req, res) => {
    const { document, dryRun } = await documentFrom(req, deps.admin);
    const result = await applyAccess(deps.admin, callerOf(req), document, { dryRun });
    res.setHeader('Cache-Control', 'no-store');
    await sendJsonInSlices(res, { ...result, dryRun } satisfies AccessApplyResponse);
  });

  router.get('/api/v1/admin/access/export', async (req, res) => {
    const document = await exportAccess(deps.admin, { identityProviders: req.query.identityProviders === 'true' });
    const yaml = renderAccessYaml(document);
    res.setHeader('Cache-Control', 'no-store');
    if (req.query.format === 'json') {
      res.json({ yaml, document } satisfies AccessExportResponse);
      return;
    }
    res.type('application/yaml').setHeader('Content-Disposition', 'attachment; filename="access.yaml"').send(yaml);
  });

  return router;
}

/**
 * res.json's body, written a slice of changes at a time (chunked, without an ETag, which
 * an answer to a POST has no use for): a large file's plan is megabytes of JSON.
 */
async function sendJsonInSlices(res: Response, body: AccessApplyResponse): Promise<void> {
  res.set('Content-Type', 'application/json; charset=utf-8');
  for (const piece of jsonInSlices({ ...body })) {
    if (res.destroyed) return; // the client went away: nothing more to write
    if (res.write(piece)) await yieldToEventLoop();
    else await drainedOrClosed(res);
  }
  res.end();
}

/** The document from a YAML body, or a JSON body carrying `yaml` or `document`; every problem at once as 400. */
async function documentFrom(req: Request, admin: AdminDeps): Promise<{ document: AccessDocument; dryRun: boolean }> {
  const parseYaml = admin.parseAccessFile ?? ((text: string) => Promise.resolve(parseAccessYaml(text)));
  const queryDryRun = req.query.dryRun === 'true';
  let result: AccessFileResult;
  let dryRun = queryDryRun;
  let source = '';
  if (typeof req.body === 'string') {
    result = await parseYaml(req.body);
  } else if (req.is('application/json')) {
    const body = accessApplyRequestSchema.parse(req.body);
    dryRun = queryDryRun || body.dryRun === true;
    source = body.source ?? '';
    result = body.yaml !== undefined ? await parseYaml(body.yaml) : parseAccessObject(body.document);
  } else {
    throw new RolegateError('unsupported_media_type', { detail: 'Send the access file as application/yaml, or JSON {"yaml": "..."}' });
  }
  if (!result.ok) {
    throw new RolegateError('invalid_request', {
      detail: `The access file has ${String(result.problems.length)} problem(s): ${result.problems.map((p) => formatProblem(p, source)).join('; ')}`,
      extras: { problems: result.problems },
    });
  }
  return { document: result.document, dryRun };
}

import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { accessRequestIdSchema, adminAccessRequestListSchema, grantRevocationSchema } from '../../contracts/access-requests.js';
import { auditQuerySchema } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import { getRequest, listAllRequests, revokeGrant, type AccessRequestDeps } from '../../features/access-requests/access-requests.js';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import { exportAccess } from '../../features/admin/apply-access.js';
import { AuditFilterError, auditPage as auditEventsPage } from '../../features/admin/query-audit.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import { callerOf } from '../middleware/caller-of.js';
import { adminAccessRequestsPage, revokeConfirmPage, type AdminRequestRow } from '../views/admin/access-requests-page.js';
import { AUDIT_FORM_FIELDS, auditPage, type AuditFormError, type AuditFormValues } from '../views/admin/audit-page.js';
import { mappingsPage } from '../views/admin/mappings-page.js';

/** The admin pages under /admin (server-rendered, no scripts), mounted behind adminGuard in page mode. */
export function adminPages(deps: { access: AdminDeps; auditQuery: AuditQuery; accessRequests?: AccessRequestDeps }): Router {
  const router = Router();
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(body);
  };
  router.get('/admin', (_req, res) => {
    res.redirect(303, '/admin/mappings');
  });
  router.get('/admin/mappings', async (req, res) => {
    send(res, mappingsPage(await exportAccess(deps.access), req.query.by === 'role' ? 'role' : 'group'));
  });
  router.get('/admin/audit', async (req, res) => {
    // Empty form fields mean "no filter".
    const query = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
    const values = formValuesOf(query);
    const parsed = auditQuerySchema.safeParse({ limit: '50', ...query, format: undefined });
    if (!parsed.success) {
      send(res, auditPage({ values, errors: formErrorsOf(parsed.error) }), 400);
      return;
    }
    try {
      const { events, nextCursor } = await auditEventsPage(deps.auditQuery, parsed.data);
      send(res, auditPage({ values, events, ...(nextCursor === undefined ? {} : { nextCursor }) }));
    } catch (error) {
      if (!(error instanceof AuditFilterError)) throw error;
      send(res, auditPage({ values, errors: [{ field: error.field, message: error.reason }] }), 400);
    }
  });
  if (deps.accessRequests) router.use(accessRequestPages(deps.accessRequests));
  return router;
}

const PAGE_PARAMETERS: readonly string[] = [...AUDIT_FORM_FIELDS, 'limit', 'cursor'];

/** What the audit form was filled with, as typed: one text per known parameter (the first of repeated ones). */
function formValuesOf(query: Record<string, unknown>): AuditFormValues {
  const values: AuditFormValues = {};
  for (const name of PAGE_PARAMETERS) {
    const value = query[name];
    const text = typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
    if (text !== undefined) values[name as keyof AuditFormValues] = text;
  }
  return values;
}

/** The schema's refusals, each on its field (an unknown parameter is the whole query's). */
function formErrorsOf(error: z.ZodError): AuditFormError[] {
  return error.issues.map((issue) => {
    const field = typeof issue.path[0] === 'string' && PAGE_PARAMETERS.includes(issue.path[0]) ? issue.path[0] : undefined;
    return field === undefined ? { message: issue.message } : { field: field as AuditFormError['field'] & string, message: issue.message };
  });
}

const revokeForm = z.object({ _csrf: z.string().optional(), reason: z.string().max(2000).optional().default('') });

/** /admin/access-requests: every request and grant (the admin API's listing), and revoking a grant after a confirmation page. */
function accessRequestPages(ar: AccessRequestDeps): Router {
  const router = Router();
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(body);
  };
  const rowsOf = async (records: AdminRequestRow['record'][]): Promise<AdminRequestRow[]> => {
    const model = await ar.accessModel.index().catch(() => undefined);
    return records.map((record) => {
      const alias = model?.accountById.get(record.accountId)?.alias;
      return { record, ...(alias === undefined ? {} : { alias }) };
    });
  };
  const csrfTokenOf = (req: Request) => {
    if (!req.session) throw new RolegateError('login_required', { detail: 'Sign in first' });
    return req.session.csrfToken;
  };
  router.get('/admin/access-requests', async (req, res) => {
    const given = Object.fromEntries(
      Object.entries(req.query).filter(([key, value]) => ['state', 'user'].includes(key) && typeof value === 'string' && value !== ''),
    );
    const query = adminAccessRequestListSchema.parse({ limit: '200', ...given });
    const records = await listAllRequests(ar, {
      ...(query.state ? { states: query.state } : {}),
      ...(query.user ? { principalId: query.user } : {}),
      limit: query.limit,
    });
    const revoked = typeof req.query.revoked === 'string' ? accessRequestIdSchema.safeParse({ id: req.query.revoked }).data?.id : undefined;
    send(
      res,
      adminAccessRequestsPage({
        rows: await rowsOf(records),
        states: query.state ?? [],
        user: query.user ?? '',
        ...(revoked === undefined ? {} : { revoked }),
      }),
    );
  });
  router.get('/admin/access-requests/:id/revoke', async (req, res) => {
    const record = await getRequest(ar, callerOf(req), accessRequestIdSchema.parse(req.params).id);
    const [row] = await rowsOf([record]);
    send(res, revokeConfirmPage({ row: row ?? { record }, csrfToken: csrfTokenOf(req) }));
  });
  router.post('/admin/access-requests/:id/revoke', async (req, res) => {
    const id = accessRequestIdSchema.parse(req.params).id;
    const parsed = grantRevocationSchema.safeParse({ reason: revokeForm.parse(req.body).reason });
    if (!parsed.success) {
      const record = await getRequest(ar, callerOf(req), id);
      const [row] = await rowsOf([record]);
      const error = parsed.error.issues.map((i) => i.message).join('; ');
      send(res, revokeConfirmPage({ row: row ?? { record }, csrfToken: csrfTokenOf(req), error: `Reason: ${error}` }), 400);
      return;
    }
    await revokeGrant(ar, callerOf(req), id, parsed.data.reason);
    res.redirect(303, `/admin/access-requests?revoked=${id}`);
  });
  return router;
}

import { Router, type Response } from 'express';
import { auditQuerySchema } from '../../contracts/admin.js';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import { exportAccess } from '../../features/admin/apply-access.js';
import { auditPage as auditEventsPage } from '../../features/admin/query-audit.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import { auditPage } from '../views/admin/audit-page.js';
import { mappingsPage } from '../views/admin/mappings-page.js';

/** The admin pages under /admin (server-rendered, no scripts), mounted behind adminGuard in page mode. */
export function adminPages(deps: { access: AdminDeps; auditQuery: AuditQuery }): Router {
  const router = Router();
  const send = (res: Response, body: string) => {
    res.setHeader('Cache-Control', 'no-store');
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
    const params = auditQuerySchema.parse({ limit: '50', ...query });
    const { events, nextCursor } = await auditEventsPage(deps.auditQuery, params);
    send(res, auditPage(params, events, nextCursor));
  });
  return router;
}

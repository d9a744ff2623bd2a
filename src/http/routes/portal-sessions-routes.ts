import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { CliAuthDeps } from '../../features/cli-auth/cli-auth-deps.js';
import { listCliSessions } from '../../features/cli-auth/list-cli-sessions.js';
import { revokeCliSession } from '../../features/cli-auth/revoke.js';
import { requestContext } from '../auth/request-context.js';
import { callerOf } from '../middleware/caller-of.js';
import { csrfProtection } from '../middleware/csrf.js';
import { cliSessionsPage } from '../views/portal/cli-sessions-page.js';
import type { Viewer } from '../views/portal/layout.js';

const revokeForm = z.object({ _csrf: z.string().optional(), id: z.string().min(1).max(64) });

/**
 * The portal's CLI sessions page (GET /portal/cli-sessions) and its Revoke
 * buttons: the same listing and revocation as /api/v1/cli-sessions, for a
 * browser. Sign out everywhere is a form to POST /auth/logout (everywhere=1).
 */
export function portalSessionsRoutes(deps: {
  cli: CliAuthDeps;
  gate: RequestHandler[];
  viewerOf: (req: express.Request) => Viewer;
}): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: 4096, parameterLimit: 5 });
  const csrf = csrfProtection(deps.cli.publicUrl);

  router.get('/portal/cli-sessions', ...deps.gate, async (req, res) => {
    const viewer = deps.viewerOf(req);
    const sessions = await listCliSessions(deps.cli, callerOf(req).principal.id);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(cliSessionsPage(viewer, { sessions, revoked: req.query.revoked === '1' }));
  });

  router.post('/portal/cli-sessions/revoke', form, ...deps.gate, csrf, async (req, res) => {
    const { id } = revokeForm.parse(req.body);
    await revokeCliSession(deps.cli, requestContext(req), callerOf(req).principal.id, id);
    res.redirect(303, '/portal/cli-sessions?revoked=1');
  });
  return router;
}

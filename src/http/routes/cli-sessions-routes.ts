import { Router } from 'express';
import { z } from 'zod';
import { RolegateError } from '../../domain/errors.js';
import type { CliAuthDeps } from '../../features/cli-auth/cli-auth-deps.js';
import { listCliSessions } from '../../features/cli-auth/list-cli-sessions.js';
import { revokeCliSession } from '../../features/cli-auth/revoke.js';
import { requestContext } from '../auth/request-context.js';
import { csrfProtection } from '../middleware/csrf.js';
import type { SessionMiddleware } from '../middleware/session.js';

const idParam = z.object({ id: z.string().min(1).max(64) });

/**
 * The caller's CLI sessions (grants): GET lists the active ones, DELETE
 * revokes one. Browser callers need the CSRF token to delete; CLI callers
 * (bearer) may manage their own user's sessions too.
 */
export function cliSessionsRoutes(deps: { cli: CliAuthDeps; session: SessionMiddleware }): Router {
  const router = Router();
  router.get('/api/v1/cli-sessions', deps.session.requireSession({ mode: 'api' }), async (req, res) => {
    const caller = req.caller;
    if (!caller) throw new RolegateError('login_required');
    const current = caller.kind === 'bearer' ? caller.cli.grantId : undefined;
    const sessions = await listCliSessions(deps.cli, caller.principal.id, current);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ sessions });
  });

  router.delete(
    '/api/v1/cli-sessions/:id',
    deps.session.requireSession({ mode: 'api' }),
    csrfProtection(deps.cli.publicUrl),
    async (req, res) => {
      const caller = req.caller;
      if (!caller) throw new RolegateError('login_required');
      const { id } = idParam.parse(req.params);
      await revokeCliSession(deps.cli, requestContext(req), caller.principal.id, id);
      res.setHeader('Cache-Control', 'no-store');
      res.status(204).end();
    },
  );
  return router;
}

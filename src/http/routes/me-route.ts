import { Router } from 'express';
import type { MeResponse } from '../../contracts/cli-auth.js';
import type { SessionMiddleware } from '../middleware/session.js';

/**
 * GET /api/v1/me: the caller's identity, groups and authn facts; for a browser
 * its session times and CSRF token, for the CLI its CLI session. 401 login_required otherwise.
 */
export function meRoute(session: SessionMiddleware): Router {
  const router = Router();
  router.get('/api/v1/me', session.requireSession({ mode: 'api' }), (req, res) => {
    const caller = req.caller;
    if (!caller) return;
    const p = caller.principal;
    const body: MeResponse = {
      id: p.id,
      idp: p.idp,
      subject: p.subject,
      username: p.username,
      ...(p.email ? { email: p.email } : {}),
      ...(p.displayName ? { displayName: p.displayName } : {}),
      groups: p.groups,
      authn: p.authn,
    };
    if (caller.kind === 'session') {
      const s = caller.session;
      body.session = { createdAt: new Date(s.createdAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString() };
      body.csrfToken = s.csrfToken;
    } else {
      body.cliSession = {
        id: caller.cli.grantId,
        clientId: caller.cli.clientId,
        deviceName: caller.cli.deviceName,
        expiresAt: new Date(caller.cli.grantExpiresAt).toISOString(),
        accessTokenExpiresAt: new Date(caller.cli.expiresAt).toISOString(),
      };
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });
  return router;
}

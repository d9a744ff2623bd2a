import { Router } from 'express';
import type { SessionMiddleware } from '../middleware/session.js';

/** GET /api/v1/me: the signed-in identity, groups and session facts; 401 login_required otherwise. */
export function meRoute(session: SessionMiddleware): Router {
  const router = Router();
  router.get('/api/v1/me', session.requireSession({ mode: 'api' }), (req, res) => {
    const s = req.session;
    if (!s) return;
    const p = s.principal;
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      id: p.id,
      idp: p.idp,
      subject: p.subject,
      username: p.username,
      ...(p.email ? { email: p.email } : {}),
      ...(p.displayName ? { displayName: p.displayName } : {}),
      groups: p.groups,
      authn: p.authn,
      session: { createdAt: new Date(s.createdAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString() },
      csrfToken: s.csrfToken,
    });
  });
  return router;
}

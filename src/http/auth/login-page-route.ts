import { Router } from 'express';
import { safeReturnTo } from '../../domain/return-to.js';
import { orUnavailable } from '../../features/dependency-errors.js';
import { signInChoices, type IdpStatus } from '../../features/login/identity-provider-availability.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { loginChooserPage, signInHandOffPage } from '../views/login-pages.js';

/**
 * GET /login: the IdP chooser (straight to the only IdP when there is one, it
 * can be reached, and nobody is signed in).
 *
 * "Straight to" is a redirect, except when the browser came here from one of
 * rolegate's own pages (Sec-Fetch-Site: same-origin): that navigation may be
 * the tail of a form submission (a portal or admin form whose session had
 * expired, answered 303 → here), and browsers check every redirect of a form
 * submission against the CSP's form-action 'self' — the hop on to the IdP
 * would be blocked and the button would seem dead. A page that navigates on
 * is a new navigation, which form-action does not govern.
 */
export function loginPageRoute(deps: {
  idps: IdentityProviderStore;
  session: SessionMiddleware;
  availability?: { statuses(): IdpStatus[] };
}): Router {
  const router = Router();
  router.get('/login', deps.session.optionalSession(), async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    const loggedOut = req.query.loggedOut === '1';
    const expired = req.query.expired === '1';
    const stored = (await orUnavailable('The database', () => deps.idps.list())).providers;
    const providers = signInChoices(stored, deps.availability?.statuses() ?? []);
    res.setHeader('Cache-Control', 'no-store');
    const only = providers.length === 1 && !providers[0]?.unavailable ? providers[0] : undefined;
    if (only && !req.session && !loggedOut) {
      const query = returnTo === '/' ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
      const start = `/auth/${only.kind}/${encodeURIComponent(only.slug)}/login${query}`;
      if (req.headers['sec-fetch-site'] === 'same-origin') {
        res.type('html').send(signInHandOffPage({ url: start, idpDisplayName: only.displayName, expired }));
        return;
      }
      res.redirect(302, start);
      return;
    }
    res.type('html').send(loginChooserPage({ providers, returnTo, loggedOut, expired, ...(req.session ? { session: req.session } : {}) }));
  });
  return router;
}

import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { RolegateError } from '../../domain/errors.js';
import type { SamlLogoutMessage } from '../../ports/saml-gateway.js';
import { finishOidcLogin } from '../../features/login/finish-oidc-login.js';
import { confirmSamlLogin, finishSamlLogin } from '../../features/login/finish-saml-login.js';
import { publicUrlFor, type LoginDeps, type RequestContext } from '../../features/login/login-deps.js';
import { logout } from '../../features/login/logout.js';
import { logoutEverywhere } from '../../features/login/logout-everywhere.js';
import { finishSamlLogout, handleSamlLogoutRequest } from '../../features/login/single-logout.js';
import { enabledProvider, startLogin, startStepUp } from '../../features/login/start-login.js';
import { safeReturnTo, signInPath } from '../../domain/return-to.js';
import {
  clearLoginCookie,
  clearLogoutCookie,
  clearSessionCookie,
  cookiePolicy,
  readCookie,
  setLoginCookie,
  setLogoutCookie,
  setSessionCookie,
} from '../cookies.js';
import { crossSiteReason, csrfProtection } from '../middleware/csrf.js';
import { rateLimit } from '../middleware/rate-limit.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { confirmIdpInitiatedPage, continuePage, idpSessionKeptPage, signedOutPage, stepUpHandOffPage } from '../views/login-pages.js';
import { requestContext } from './request-context.js';

export interface AuthRoutesDeps {
  login: LoginDeps;
  session: SessionMiddleware;
  sessionCookieName: string;
  loginTimeoutMs: number;
  samlMaxBodyBytes: number;
  /** Revokes every CLI session of a principal: used by "sign out everywhere" (`everywhere=1`). */
  revokeCliGrantsOf: (principalId: string, ctx: RequestContext) => Promise<number>;
}

const slugParam = z.object({ idp: z.string().regex(/^[a-z0-9-]{1,40}$/) });
const acsBody = z.object({ SAMLResponse: z.string().min(1), RelayState: z.string().max(1024).optional() });
const sloBody = z.object({
  SAMLRequest: z.string().min(1).optional(),
  SAMLResponse: z.string().min(1).optional(),
  RelayState: z.string().max(1024).optional(),
});

/** The SAML logout message of a GET (query as received: its signature covers it) or POST to the SLO endpoint. */
function sloMessage(req: Request): { kind: 'request' | 'response'; message: SamlLogoutMessage } {
  const fields = req.method === 'POST' ? sloBody.safeParse(req.body).data : sloBody.safeParse(req.query).data;
  const kind = fields?.SAMLRequest && !fields.SAMLResponse ? 'request' : fields?.SAMLResponse && !fields.SAMLRequest ? 'response' : null;
  if (!fields || !kind)
    throw new RolegateError('invalid_request', { detail: 'Expected one SAMLRequest or SAMLResponse (SAML single logout)' });
  if (req.method !== 'POST') {
    const at = req.originalUrl.indexOf('?');
    return { kind, message: { binding: 'redirect', rawQuery: at === -1 ? '' : req.originalUrl.slice(at + 1) } };
  }
  const { SAMLRequest, SAMLResponse, RelayState } = fields;
  const form = {
    ...(SAMLRequest ? { SAMLRequest } : {}),
    ...(SAMLResponse ? { SAMLResponse } : {}),
    ...(RelayState ? { RelayState } : {}),
  };
  return { kind, message: { binding: 'post', form } };
}

/**
 * A redirect without a body. Express's res.redirect negotiates an HTML or text body for it that
 * browsers never show: about 15 µs of CPU on every sign-in start and callback (bench/sign-in.bench.mjs profile).
 */
function redirect(res: Response, status: 302 | 303, url: string): void {
  res.location(url).status(status).end();
}

/** Sign-in and sign-out endpoints for OIDC and SAML identity providers. Thin: parse, call a feature, answer. */
export function authRoutes(deps: AuthRoutesDeps): Router {
  const router = Router();
  const { publicUrl } = deps.login;
  const policy = (req: Request) => cookiePolicy(req, publicUrl, deps.sessionCookieName);
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');
  const form = express.urlencoded({ extended: false, limit: deps.samlMaxBodyBytes, parameterLimit: 10 });
  const starts = rateLimit(deps.login.limits, 'loginStartsPerIp');
  const callbacks = rateLimit(deps.login.limits, 'loginCallbacksPerIp');

  const begin = (kind: 'oidc' | 'saml') => async (req: Request, res: Response) => {
    const { idp } = slugParam.parse(req.params);
    const { redirectUrl, transactionId } = await startLogin(deps.login, kind, idp, req.query.returnTo, requestContext(req));
    noStore(res);
    setLoginCookie(res, policy(req), transactionId, deps.loginTimeoutMs);
    redirect(res, 302, redirectUrl);
  };

  router.get('/auth/oidc/:idp/login', starts, begin('oidc'));

  // Step-up (docs/just-in-time.md): sign in again, freshly and with MFA, at the session's own IdP,
  // then back to returnTo. Without a session there is nothing to step up: an ordinary sign-in.
  router.get('/login/step-up', starts, deps.session.optionalSession({ bearer: false }), async (req, res) => {
    const requested = req.query.returnTo;
    const returnTo = safeReturnTo(requested);
    if (requested !== undefined && returnTo === '/' && requested !== '/') {
      throw new RolegateError('invalid_request', {
        detail: 'returnTo must be a path on rolegate (one leading /, not //, printable ASCII, not a sign-in endpoint)',
        extras: { reason: 'return_to_refused' },
      });
    }
    noStore(res);
    if (!req.session) {
      redirect(res, 302, signInPath(returnTo));
      return;
    }
    const { redirectUrl, transactionId } = await startStepUp(deps.login, req.session.principal, returnTo, requestContext(req));
    setLoginCookie(res, policy(req), transactionId, deps.loginTimeoutMs);
    // From one of rolegate's own pages this may be the tail of a form POST (the portal's Approve,
    // answered 303 → here): browsers check each redirect of a form submission against the CSP's
    // form-action 'self', so the hop on to the IdP is a page that navigates on (as GET /login does).
    if (req.headers['sec-fetch-site'] === 'same-origin') res.type('html').send(stepUpHandOffPage(redirectUrl));
    else redirect(res, 302, redirectUrl);
  });
  router.get('/auth/saml/:idp/login', starts, begin('saml'));

  router.get('/auth/oidc/:idp/callback', callbacks, async (req, res) => {
    const { idp } = slugParam.parse(req.params);
    const cookies = policy(req);
    noStore(res);
    clearLoginCookie(res, cookies);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const currentUrl = new URL(publicUrlFor(publicUrl, `/auth/oidc/${idp}/callback${query}`));
    const result = await finishOidcLogin(deps.login, requestContext(req), {
      slug: idp,
      transactionId: readCookie(req, cookies.loginCookie),
      currentUrl,
      previousSessionCookie: readCookie(req, cookies.sessionCookie),
    });
    setSessionCookie(res, cookies, result.cookieValue, result.session.expiresAt - Date.now());
    redirect(res, 303, result.returnTo);
  });

  router.post('/auth/saml/:idp/acs', callbacks, form, async (req, res) => {
    const { idp } = slugParam.parse(req.params);
    const body = acsBody.safeParse(req.body);
    if (!body.success) throw new RolegateError('invalid_request', { detail: 'Expected an HTTP-POST SAMLResponse form field' });
    const cookies = policy(req);
    noStore(res);
    clearLoginCookie(res, cookies);
    const outcome = await finishSamlLogin(deps.login, requestContext(req), {
      slug: idp,
      transactionId: readCookie(req, cookies.loginCookie),
      samlResponse: body.data.SAMLResponse,
      relayState: body.data.RelayState,
      previousSessionCookie: readCookie(req, cookies.sessionCookie),
    });
    if (outcome.kind === 'confirm') {
      // Same-site form POST from our own page next: a Lax cookie is enough.
      res.cookie(cookies.loginCookie, outcome.transactionId, {
        httpOnly: true,
        secure: cookies.secure,
        sameSite: 'lax',
        path: '/',
        maxAge: 120_000,
      });
      res
        .type('html')
        .send(confirmIdpInitiatedPage({ slug: idp, username: outcome.principal.username, idpDisplayName: outcome.idpDisplayName }));
      return;
    }
    setSessionCookie(res, cookies, outcome.cookieValue, outcome.session.expiresAt - Date.now());
    res.type('html').send(continuePage(outcome.returnTo));
  });

  router.post('/auth/saml/:idp/continue', async (req, res) => {
    const { idp } = slugParam.parse(req.params);
    const crossSite = crossSiteReason(req, publicUrl);
    if (crossSite) throw new RolegateError('forbidden', { detail: `Cross-site request refused: ${crossSite}` });
    const cookies = policy(req);
    noStore(res);
    clearLoginCookie(res, cookies);
    const result = await confirmSamlLogin(deps.login, requestContext(req), {
      slug: idp,
      transactionId: readCookie(req, cookies.loginCookie),
      previousSessionCookie: readCookie(req, cookies.sessionCookie),
    });
    setSessionCookie(res, cookies, result.cookieValue, result.session.expiresAt - Date.now());
    redirect(res, 303, result.returnTo);
  });

  router.get('/auth/saml/:idp/metadata', async (req, res) => {
    const { idp } = slugParam.parse(req.params);
    const provider = await enabledProvider(deps.login, 'saml', idp);
    res.type('application/samlmetadata+xml').send(deps.login.saml.metadata(provider));
  });

  // SAML single logout at one URL, both bindings (GET: HTTP-Redirect, POST: HTTP-POST), as the
  // metadata says. A LogoutRequest is the IdP ending the user's sessions; a LogoutResponse answers
  // the sign-out this browser started (the logout cookie), whose session is already gone.
  const singleLogout = async (req: Request, res: Response) => {
    const { idp } = slugParam.parse(req.params);
    const cookies = policy(req);
    noStore(res);
    const { kind, message } = sloMessage(req);
    if (kind === 'response') {
      clearLogoutCookie(res, cookies);
      const ctx = requestContext(req);
      const result = await finishSamlLogout(deps.login, ctx, { slug: idp, transactionId: readCookie(req, cookies.logoutCookie), message });
      if (result.idpSessionEnded) redirect(res, 303, '/login?loggedOut=1');
      else res.type('html').send(idpSessionKeptPage({ idpDisplayName: result.idpDisplayName, status: result.status }));
      return;
    }
    const { redirectUrl } = await handleSamlLogoutRequest(deps.login, requestContext(req), { slug: idp, message });
    clearSessionCookie(res, cookies);
    redirect(res, 303, redirectUrl ?? '/login?loggedOut=1');
  };
  router.get('/auth/saml/:idp/slo', callbacks, singleLogout);
  router.post('/auth/saml/:idp/slo', callbacks, form, singleLogout);

  router.post(
    '/auth/logout',
    express.urlencoded({ extended: false, limit: 4096, parameterLimit: 5 }),
    deps.session.optionalSession({ bearer: false }),
    (req, res, next) => {
      // Sign out on a page whose session has already ended: nothing to end here, and no error to show.
      if (req.session || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
      noStore(res);
      clearSessionCookie(res, policy(req));
      res.type('html').send(signedOutPage('/login?loggedOut=1'));
    },
    csrfProtection(publicUrl),
    async (req, res) => {
      const session = req.session;
      if (!session) throw new RolegateError('login_required');
      // A plain sign-out ends this browser's session only; `everywhere=1` also ends every other
      // browser session and every CLI session of the user.
      const body = req.body as Record<string, unknown> | undefined;
      const everywhere = body?.everywhere === '1' || req.query.everywhere === '1';
      const { redirectUrl, logoutTransactionId } = everywhere
        ? await logoutEverywhere(deps.login, requestContext(req), session, deps.revokeCliGrantsOf)
        : await logout(deps.login, requestContext(req), session);
      noStore(res);
      clearSessionCookie(res, policy(req));
      if (logoutTransactionId) setLogoutCookie(res, policy(req), logoutTransactionId, deps.loginTimeoutMs);
      // Not a redirect: browsers apply the CSP's form-action 'self' to redirects that follow a form
      // POST, which would block the hop to the IdP's logout. A page that navigates on is not blocked.
      if (req.accepts(['application/json', 'text/html']) === 'text/html') res.type('html').send(signedOutPage(redirectUrl));
      else res.json({ signedOut: true, continueTo: redirectUrl });
    },
  );

  return router;
}

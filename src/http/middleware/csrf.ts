import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RolegateError } from '../../domain/errors.js';
import type { ApiRequest } from '../api-request.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Same-origin check; undefined when the request passes, else the reason.
 * Sec-Fetch-Site decides when the browser sends it. Otherwise Origin must be
 * ours, except `Origin: null`: browsers send that on same-origin form posts
 * under our `Referrer-Policy: no-referrer`, so it proves nothing either way
 * and the synchronizer token alone decides.
 */
export function crossSiteReason(req: IncomingMessage, publicUrl: URL): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site is ${site}`;
  const origin = req.headers.origin;
  if (typeof origin === 'string' && origin !== 'null' && origin !== publicUrl.origin) {
    return `Origin ${origin.slice(0, 100)} is not ${publicUrl.origin}`;
  }
  return undefined;
}

/**
 * CSRF protection for state-changing requests by a signed-in browser: the
 * request must come from our own origin (Origin / Sec-Fetch-Site, when the
 * browser sends them) AND carry the session's synchronizer token, in the
 * `X-CSRF-Token` header or a `_csrf` form field. Run after requireSession().
 * The token is on the session (`req.session.csrfToken`); pages embed it in
 * forms, scripts read it from GET /api/v1/me.
 *
 * CLI callers authenticated by a bearer token (`req.caller.kind === 'bearer'`,
 * set only by resolveCaller after the token was verified) need no token:
 * browsers never attach an Authorization header on their own, so there is no
 * ambient credential for another site to ride on, and a request that carries
 * a bearer header is judged by that token alone, never by its cookies.
 */
export function csrfProtection(publicUrl: URL): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    next(csrfRefusal(req, publicUrl));
  };
}

/** Why csrfProtection refuses this request (after the caller and the body are on it), or undefined. */
export function csrfRefusal(req: ApiRequest, publicUrl: URL): RolegateError | undefined {
  if (SAFE_METHODS.has(req.method ?? '')) return undefined;
  if (req.caller?.kind === 'bearer') return undefined;
  const session = req.session;
  if (!session || req.caller?.kind !== 'session') return new RolegateError('login_required', { detail: 'Sign in first' });
  const crossSite = crossSiteReason(req, publicUrl);
  if (crossSite) return new RolegateError('forbidden', { detail: `Cross-site request refused (CSRF): ${crossSite}` });
  const header = req.headers['x-csrf-token'];
  const body = (req.body as Record<string, unknown> | undefined)?._csrf;
  const sent = typeof header === 'string' ? header : typeof body === 'string' ? body : undefined;
  if (sent === undefined || !equal(sent, session.csrfToken)) {
    return new RolegateError('forbidden', { detail: 'Missing or wrong CSRF token (send X-CSRF-Token or the _csrf form field)' });
  }
  return undefined;
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

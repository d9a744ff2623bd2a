import type { Request, RequestHandler } from 'express';
import { signInPath } from '../../domain/return-to.js';
import { cookiePolicy, readCookie } from '../cookies.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { portalHref } from '../views/portal/roles-page.js';

/** The portal actions a form POST can be resumed as, after a sign-in in between (GET /portal/continue). */
export const RESUMABLE_ACTIONS = ['console', 'credentials'] as const;
export type ResumableAction = (typeof RESUMABLE_ACTIONS)[number];

/**
 * Signed-in browsers only. Without a session: to the sign-in page, coming
 * back afterwards to what the browser was doing; with a cookie whose session
 * is gone, the sign-in page says the session expired.
 *
 * A GET comes back to itself. A form POST cannot be repeated by a redirect
 * (and must not be: it issues credentials), so it comes back to a page that
 * offers the same action again, one click away (`/portal/continue`), or to
 * the role list it was posted from. The hop from the sign-in page on to the
 * IdP is a navigation, not a redirect, so the CSP's form-action 'self' does
 * not block it (loginPageRoute).
 */
export function portalGate(session: SessionMiddleware, publicUrl: URL, cookieName: string): RequestHandler[] {
  return [
    session.optionalSession({ bearer: false }),
    (req, res, next) => {
      if (req.session) return next();
      const hadCookie = readCookie(req, cookiePolicy(req, publicUrl, cookieName).sessionCookie) !== undefined;
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, signInPath(returnToOf(req), { expired: hadCookie }));
    },
  ];
}

/** Where a request that found no session comes back to after the sign-in. */
export function returnToOf(req: Request): string {
  if (req.method === 'GET' || req.method === 'HEAD') return req.originalUrl;
  if (req.path.startsWith('/portal/cli-sessions')) return '/portal/cli-sessions';
  // Just-in-time access: a decision or a cancellation comes back to its request, the request form to a fresh form.
  if (req.path === '/portal/requests') return '/portal/requests/new';
  const request = /^\/portal\/requests\/([0-9a-f-]{36})\/(?:approve|deny|cancel)$/i.exec(req.path)?.[1];
  if (request !== undefined) return `/portal/requests/${request.toLowerCase()}`;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const field = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
  const q = field('q');
  const page = field('page');
  const list = portalHref(q?.trim() ?? '', page !== undefined && /^[1-9]\d{0,8}$/.test(page) ? Number(page) : 1);
  const action = RESUMABLE_ACTIONS.find((a) => req.path === `/portal/${a}`);
  const accountId = field('accountId');
  const role = field('role');
  if (!action || !accountId || !role) return list;
  const resume = new URLSearchParams({ action, accountId, role });
  const duration = field('durationSeconds');
  if (duration) resume.set('durationSeconds', duration);
  return `/portal/continue?${resume.toString()}`;
}

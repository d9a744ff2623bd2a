import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RolegateError } from '../../domain/errors.js';
import type { LoginSession, SessionStore } from '../../features/sessions/session-store.js';
import { cookiePolicy, readCookie } from '../cookies.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller's login session, when `optionalSession`/`requireSession` found one. */
    session?: LoginSession;
  }
}

export interface SessionMiddlewareDeps {
  sessions: SessionStore;
  publicUrl: URL;
  sessionCookieName: string;
}

/**
 * Who is calling, resolved in one place: today the session cookie; CLI
 * bearer tokens will be resolved here too. Store failures propagate (503),
 * they never count as "not signed in".
 */
export async function resolveCaller(deps: SessionMiddlewareDeps, req: Request): Promise<LoginSession | undefined> {
  if (req.session) return req.session;
  const policy = cookiePolicy(req, deps.publicUrl, deps.sessionCookieName);
  const value = readCookie(req, policy.sessionCookie);
  if (value === undefined) return undefined;
  try {
    return (await deps.sessions.get(value)) ?? undefined;
  } catch (error) {
    throw new RolegateError('dependency_unavailable', {
      detail: 'The session store (Redis) is unavailable; try again shortly',
      cause: error,
    });
  }
}

export interface SessionMiddleware {
  /** Puts the session on `req.session` when there is a valid one; never refuses. */
  optionalSession(): RequestHandler;
  /**
   * Refuses callers without a session: `api` answers 401 login_required
   * (problem+json); `page` redirects to /login?returnTo=<this path>.
   */
  requireSession(options?: { mode?: 'api' | 'page' }): RequestHandler;
}

export function sessionMiddleware(deps: SessionMiddlewareDeps): SessionMiddleware {
  return {
    optionalSession: () => async (req: Request, _res: Response, next: NextFunction) => {
      const session = await resolveCaller(deps, req);
      if (session) req.session = session;
      next();
    },
    requireSession:
      ({ mode = 'api' } = {}) =>
      async (req: Request, res: Response, next: NextFunction) => {
        const session = await resolveCaller(deps, req);
        if (session) {
          req.session = session;
          next();
          return;
        }
        if (mode === 'page') {
          res.setHeader('Cache-Control', 'no-store');
          res.redirect(303, `/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        next(new RolegateError('login_required', { detail: 'Sign in first: no valid session cookie was sent (see /login)' }));
      },
  };
}

import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { signInPath } from '../../domain/return-to.js';
import type { AccessTokenGrant } from '../../features/cli-auth/access-tokens.js';
import type { LoginSession, SessionStore } from '../../features/sessions/session-store.js';
import type { ApiRequest } from '../api-request.js';
import { cookiePolicy, readCookie } from '../cookies.js';

/**
 * Who is calling. A browser with a session cookie (`session`), or the
 * rolegate CLI with a bearer access token (`bearer`). Both carry the
 * principal as of their sign-in; entitlements are computed per request.
 */
export type Caller =
  { kind: 'session'; principal: Principal; session: LoginSession } | { kind: 'bearer'; principal: Principal; cli: AccessTokenGrant };

declare module 'express-serve-static-core' {
  interface Request {
    /** Whoever `optionalSession`/`requireSession` found: a browser session or a CLI bearer token. */
    caller?: Caller;
    /** The caller's login session — browser (cookie) callers only; undefined for bearer callers. */
    session?: LoginSession;
  }
}

export interface SessionMiddlewareDeps {
  sessions: SessionStore;
  publicUrl: URL;
  sessionCookieName: string;
  /** Checks CLI bearer tokens. Without it, every bearer token is refused. */
  accessTokens?: { verify(token: string): Promise<AccessTokenGrant | null> };
}

/** RFC 6750 §3.1: 401 with `WWW-Authenticate: Bearer error="invalid_token"`. */
const invalidToken = () =>
  new RolegateError('login_required', {
    detail: 'The access token is invalid, expired or revoked. Run `rolegate login` to sign in again.',
    headers: {
      'WWW-Authenticate':
        'Bearer realm="rolegate", error="invalid_token", error_description="The access token is invalid, expired or revoked"',
    },
  });

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined when the header is absent or another scheme. */
function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(header);
  if (match) return match[1];
  return /^Bearer\b/i.test(header) ? '' : undefined;
}

/**
 * Who is calling, resolved in one place. With `bearer` (API routes), an
 * `Authorization: Bearer` header decides alone — a wrong, expired or revoked
 * token is 401 invalid_token even if a cookie is also sent, so a request is
 * never half one caller, half another. Otherwise the session cookie decides.
 * Store failures propagate (503); they never count as "not signed in".
 */
export async function resolveCaller(
  deps: SessionMiddlewareDeps,
  req: ApiRequest,
  options: { bearer: boolean } = { bearer: false },
): Promise<Caller | undefined> {
  if (req.caller && (options.bearer || req.caller.kind === 'session')) return req.caller;
  if (options.bearer) {
    const token = bearerToken(req);
    if (token !== undefined) {
      if (token === '' || !deps.accessTokens) throw invalidToken();
      const verify = deps.accessTokens.verify.bind(deps.accessTokens);
      const grant = await unavailableAs('The token store (Redis)', () => verify(token));
      if (!grant) throw invalidToken();
      return { kind: 'bearer', principal: grant.principal, cli: grant };
    }
  }
  const policy = cookiePolicy(req, deps.publicUrl, deps.sessionCookieName);
  const value = readCookie(req, policy.sessionCookie);
  if (value === undefined) return undefined;
  const session = await unavailableAs('The session store (Redis)', () => deps.sessions.get(value));
  return session ? { kind: 'session', principal: session.principal, session } : undefined;
}

async function unavailableAs<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new RolegateError('dependency_unavailable', { detail: `${what} is unavailable; try again shortly`, cause: error });
  }
}

function attach(req: ApiRequest, caller: Caller): void {
  req.caller = caller;
  if (caller.kind === 'session') req.session = caller.session;
}

export interface RequireOptions {
  /** `api` answers 401 login_required (problem+json); `page` redirects to /login?returnTo=<this path>. */
  mode?: 'api' | 'page';
  /**
   * Whether CLI bearer tokens are accepted. Default: yes for `api`, no for
   * `page`. Say `false` for browser-only endpoints (sign-out, consent, device
   * confirmation): there a bearer token is ignored and a cookie is required.
   */
  bearer?: boolean;
}

export interface SessionMiddleware {
  /** Puts the caller on `req.caller` (and a browser session on `req.session`) when there is one; never refuses. */
  optionalSession(options?: { bearer?: boolean }): RequestHandler;
  /** Refuses requests without a caller (see RequireOptions). */
  requireSession(options?: RequireOptions): RequestHandler;
  /**
   * requireSession({ mode: 'api' }) for handlers that also run without
   * Express (direct-routes.ts): attaches and returns the caller, or throws the same 401.
   */
  requireCaller(req: ApiRequest, options?: { bearer?: boolean }): Promise<Caller>;
}

function loginRequired(bearer: boolean): RolegateError {
  return new RolegateError('login_required', {
    detail: bearer
      ? 'Sign in first: send the session cookie (see /login) or a CLI access token (run `rolegate login`)'
      : 'Sign in first: no valid session cookie was sent (see /login)',
    ...(bearer ? { headers: { 'WWW-Authenticate': 'Bearer realm="rolegate"' } } : {}),
  });
}

export function sessionMiddleware(deps: SessionMiddlewareDeps): SessionMiddleware {
  return {
    optionalSession:
      ({ bearer = false } = {}) =>
      async (req: Request, _res: Response, next: NextFunction) => {
        const caller = await resolveCaller(deps, req, { bearer });
        if (caller) attach(req, caller);
        next();
      },
    requireSession:
      ({ mode = 'api', bearer = mode === 'api' }: RequireOptions = {}) =>
      async (req: Request, res: Response, next: NextFunction) => {
        const caller = await resolveCaller(deps, req, { bearer });
        if (caller) {
          attach(req, caller);
          next();
          return;
        }
        if (mode === 'page') {
          res.setHeader('Cache-Control', 'no-store');
          res.redirect(303, signInPath(req.originalUrl));
          return;
        }
        next(loginRequired(bearer));
      },
    async requireCaller(req, { bearer = true } = {}) {
      const caller = await resolveCaller(deps, req, { bearer });
      if (!caller) throw loginRequired(bearer);
      attach(req, caller);
      return caller;
    },
  };
}

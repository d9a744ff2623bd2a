import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { StsServices } from '../actions/action-context.js';
import { CHAINED_MAX_DURATION } from '../session/session-rules.js';
import { isLoopbackUrl } from '../../support/loopback.js';
import { OneTimeTokens, SIGNIN_TOKEN_TTL_MS, type ConsoleGrant } from './signin-tokens.js';
import { renderConsolePage } from './console-page.js';

export const CONSOLE_COOKIE = 'devstack-console';

/**
 * The console federation endpoint (`/federation`): `getSigninToken` turns
 * temporary credentials into a one-time sign-in token, and `login` redeems it
 * once and redirects to the Destination. A stand-in console page at `/console/`
 * shows the session a login established, so the demo never leaves loopback.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html
 */
export function federationRoutes(services: StsServices): Router {
  const now = () => services.now().getTime();
  const signinTokens = new OneTimeTokens<ConsoleGrant>(now);
  const consoleSessions = new OneTimeTokens<ConsoleGrant>(now);
  const router = express.Router();

  const handle = (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store');
    const params = new URLSearchParams(req.method === 'POST' && Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    for (const [key, value] of new URLSearchParams(req.url.split('?')[1] ?? '')) if (!params.has(key)) params.set(key, value);
    const refuse = (status: number, message: string) => res.status(status).type('text/plain').send(`${message}\n`);
    const action = params.get('Action');
    if (action === 'getSigninToken') {
      const grant = grantFor(params, services);
      if (typeof grant === 'string') return refuse(400, grant);
      return res.json({ SigninToken: signinTokens.issue(grant) });
    }
    if (action === 'login') {
      const destination = params.get('Destination') ?? '';
      if (!isConsoleDestination(destination)) return refuse(400, 'Destination must be an AWS console URL or a loopback URL');
      const grant = signinTokens.take(params.get('SigninToken') ?? '');
      if (!grant) return refuse(400, 'The sign-in token is invalid, expired or already used');
      const consoleExpiry = Math.min(now() + grant.consoleSeconds * 1000, Number.MAX_SAFE_INTEGER);
      const cookie = consoleSessions.issue({ ...grant, expiresAt: consoleExpiry });
      res.cookie(CONSOLE_COOKIE, cookie, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: grant.consoleSeconds * 1000 });
      return res.redirect(302, destination);
    }
    return refuse(400, 'Action must be getSigninToken or login');
  };
  router.get('/federation', handle);
  router.post('/federation', handle);
  router.get('/console{/*rest}', (req, res) => {
    const cookie = /(?:^|;\s*)devstack-console=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const grant = cookie ? consoleSessions.peek(cookie) : undefined;
    res.set('Cache-Control', 'no-store').type('html').send(renderConsolePage(grant, now()));
  });
  return router;
}

/** Validates the `Session` JSON of getSigninToken; a string is the reason for refusing. */
function grantFor(params: URLSearchParams, services: StsServices): ConsoleGrant | string {
  let session: unknown;
  try {
    session = JSON.parse(params.get('Session') ?? '');
  } catch {
    return 'Session must be JSON {"sessionId", "sessionKey", "sessionToken"}';
  }
  const { sessionId, sessionKey, sessionToken } = (session ?? {}) as Record<string, unknown>;
  if (typeof sessionId === 'string' && services.world.accessKeys.has(sessionId))
    return 'Long-term credentials cannot sign in to the console: use credentials from AssumeRole*';
  if (typeof sessionId !== 'string' || typeof sessionKey !== 'string' || typeof sessionToken !== 'string')
    return 'Session must be JSON {"sessionId", "sessionKey", "sessionToken"}';
  const issued = services.registry.get(sessionId);
  if (!issued || !equal(issued.secretAccessKey, sessionKey) || !equal(issued.sessionToken, sessionToken))
    return 'The credentials in Session are invalid';
  const remaining = Math.floor((issued.expiration.getTime() - services.now().getTime()) / 1000);
  if (remaining <= 0) return 'The credentials in Session are expired';
  const rawDuration = params.get('SessionDuration');
  let consoleSeconds = remaining;
  if (rawDuration !== null) {
    const value = /^\d{1,6}$/.test(rawDuration) ? Number(rawDuration) : NaN;
    if (!(value >= 900 && value <= 43_200)) return 'SessionDuration must be an integer from 900 to 43200';
    if (issued.chained && value > CHAINED_MAX_DURATION)
      return 'SessionDuration cannot exceed 3600 seconds for credentials obtained by role chaining';
    consoleSeconds = value;
  }
  return { session: issued, consoleSeconds, expiresAt: services.now().getTime() + SIGNIN_TOKEN_TTL_MS };
}

function isConsoleDestination(destination: string): boolean {
  let url: URL;
  try {
    url = new URL(destination);
  } catch {
    return false;
  }
  if (isLoopbackUrl(destination)) return true;
  return url.protocol === 'https:' && /(^|\.)console\.(aws\.amazon\.com|amazonaws-us-gov\.com|amazonaws\.cn)$/.test(url.hostname);
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

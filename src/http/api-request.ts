import type { IncomingMessage } from 'node:http';
import type { LoginSession } from '../features/sessions/session-store.js';
import type { Logger } from '../ports/logger.js';
import type { Caller } from './middleware/session.js';

/**
 * A request as rolegate's API handlers read it: node:http's IncomingMessage
 * and what rolegate attaches to it. Express's Request is one (`ip`, `secure`
 * and `path` are its getters); the direct layer (direct-routes.ts) sets the
 * same fields on a plain IncomingMessage. A handler written against this type
 * answers the same whichever of the two served the request.
 */
export interface ApiRequest extends IncomingMessage {
  /** The client's address, as server.trustProxy lets rolegate see it (Express's `req.ip`). */
  readonly ip: string | undefined;
  /** Over https, directly or per X-Forwarded-Proto from a trusted proxy (Express's `req.secure`). */
  readonly secure: boolean;
  /** The URL's path, without the query (Express's `req.path`). */
  readonly path: string;
  /** The request id: a sane incoming X-Request-Id, or a fresh UUID (observeRequest). */
  id: string;
  /** A logger that stamps `requestId` on every line (observeRequest). */
  log: Logger;
  /** Whoever the session middleware found: a browser session or a CLI bearer token. */
  caller?: Caller;
  /** The caller's login session: browser (cookie) callers only. */
  session?: LoginSession;
  /** The parsed body, once a body reader ran. */
  body?: unknown;
}

/** Paths of the JSON API: problem+json errors and the API security headers. Express routes case-insensitively, so this does too. */
export function isApiPath(path: string): boolean {
  return path.length >= 5 && path.slice(0, 5).toLowerCase() === '/api/';
}

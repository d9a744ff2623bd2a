import { IncomingMessage, type ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { isApiPath } from '../api-request.js';

/**
 * helmet's headers with a strict Content-Security-Policy: only our own
 * scripts and styles, no inline code, no framing, no plugins, forms post only
 * to us. Nothing here varies per request (no nonces), so helmet runs once at
 * start-up and every response gets the same precomputed list.
 */
const helmetMiddleware = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
      reportUri: ['/csp-report'],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  xFrameOptions: { action: 'deny' },
});

export type HeaderList = readonly (readonly [string, string])[];

/** Runs helmet against a recording response and returns the headers it set. */
export function computeSecurityHeaders(): HeaderList {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.push([name, String(value)]);
      return recorder;
    },
    removeHeader() {
      return undefined;
    },
  };
  const state = { done: false };
  const request = Object.create(IncomingMessage.prototype) as IncomingMessage;
  helmetMiddleware(request, recorder as unknown as ServerResponse, () => (state.done = true));
  if (!state.done) throw new Error('helmet did not complete synchronously');
  return headers;
}

/**
 * The headers of JSON API answers (`/api/…`), as the OWASP REST Security
 * Cheat Sheet lists them: nothing of a JSON answer may run, be framed, be
 * sniffed as another type or be read by another origin. The page-oriented
 * rest of helmet's set (XSS filter, DNS prefetch, download options,
 * origin-agent-cluster, opener policy…) says nothing about JSON and was a
 * measurable part of the hottest answer, for the server and for clients.
 */
export function computeApiSecurityHeaders(): HeaderList {
  const wanted = new Set([
    'strict-transport-security',
    'x-content-type-options',
    'x-frame-options',
    'referrer-policy',
    'cross-origin-resource-policy',
  ]);
  return [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ...computeSecurityHeaders().filter(([name]) => wanted.has(name.toLowerCase())),
  ];
}

export function applyHeaders(res: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}

/** The page set on everything, the API set on `/api/…`. */
export function securityHeaders(): RequestHandler {
  const pages = computeSecurityHeaders();
  const api = computeApiSecurityHeaders();
  return (req, res, next) => {
    applyHeaders(res, isApiPath(req.path) ? api : pages);
    next();
  };
}

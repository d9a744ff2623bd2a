import { IncomingMessage, type ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

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

export function applyHeaders(res: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}

export function securityHeaders(): RequestHandler {
  const headers = computeSecurityHeaders();
  return (_req, res, next) => {
    applyHeaders(res, headers);
    next();
  };
}

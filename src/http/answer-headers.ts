import type { ServerResponse } from 'node:http';

/**
 * Headers a response must carry that were not set on it yet: the direct
 * layer (direct-routes.ts) keeps its security headers and X-Request-Id here
 * instead of calling setHeader for each, and the answer writes them with its
 * own in one writeHead. A dozen setHeader calls (each validating, lowercasing
 * and storing its header) were a visible part of a cached credentials answer.
 */
const deferred = new WeakMap<ServerResponse, readonly string[]>();

/** `headers` (name, value, name, value…) go out with whatever `res` answers next. */
export function deferHeaders(res: ServerResponse, headers: readonly string[]): void {
  deferred.set(res, headers);
}

/** Sets the deferred headers the usual way, for an answer written without writeAnswer (errors). */
export function applyDeferredHeaders(res: ServerResponse): void {
  const headers = deferred.get(res);
  if (!headers) return;
  deferred.delete(res);
  for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i] as string, headers[i + 1] as string);
}

/**
 * The whole answer: status, the deferred headers and `headers` (name, value…)
 * in one writeHead, then the body. On a response whose headers were set one
 * by one (Express's middleware), writeHead adds these to them.
 */
export function writeAnswer(res: ServerResponse, status: number, headers: readonly string[], body: string): void {
  const first = deferred.get(res);
  if (first) deferred.delete(res);
  res.writeHead(status, first ? [...first, ...headers] : (headers as string[]));
  res.end(body);
}

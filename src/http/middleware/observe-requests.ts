import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { AccessEntry, AccessLog, Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import type { ApiRequest } from '../api-request.js';
import { RequestLogger } from './request-logger.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request id: a sane incoming X-Request-Id, or a fresh UUID. */
    id: string;
    /** A logger that stamps `requestId` on every line. */
    log: Logger;
  }
}

const INCOMING_ID = /^[\w.:-]{1,64}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** What observing a request reports to. */
export interface RequestObserverDeps {
  logger: Logger;
  accessLog: AccessLog;
  metrics: Metrics;
}

/**
 * Gives every request an id (a sane incoming X-Request-Id is kept, so a load
 * balancer's id follows the request) and a logger that stamps it on every
 * line; when the response is done, writes one access log line and observes the
 * latency histogram, labelled by the matched route pattern (never the raw
 * path, which would explode cardinality). Query values are never logged:
 * OAuth codes, states and sign-in tokens travel there.
 */
export function observeRequests(deps: RequestObserverDeps): RequestHandler {
  return (req, res, next) => {
    observeRequest(req, res, deps, () => routeOf(req));
    next();
  };
}

/**
 * observeRequests for one request, also for endpoints served without Express's
 * router (src/http/direct-routes.ts), which name their route pattern up front
 * (they have no `originalUrl` either: Express sets it while routing) and may
 * write X-Request-Id themselves, with their other headers (`setsRequestId: false`).
 */
export function observeRequest(
  req: ApiRequest & { originalUrl?: string },
  res: ServerResponse,
  { logger, accessLog, metrics }: RequestObserverDeps,
  routeOf: () => string,
  setsRequestId = true,
): void {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  req.id = requestId;
  // A plain property: defining a getter per request would push the request
  // object into V8's slow dictionary mode.
  req.log = new RequestLogger(logger, requestId);
  if (setsRequestId) res.setHeader('X-Request-Id', requestId);

  // 'finish' is emitted once per response: `on` spares once()'s wrapper.
  res.on('finish', () => {
    const ms = performance.now() - started;
    const status = res.statusCode;
    const method = req.method ?? '';
    metrics.observeHttpRequest(method, routeOf(), status, ms / 1000);
    const entry: AccessEntry = {
      requestId,
      method,
      // Unset on direct routes: Express sets it while routing.
      url: withoutQueryValues(req.originalUrl ?? req.url ?? ''),
      remoteAddress: req.ip,
      userAgent: req.headers['user-agent'],
      statusCode: status,
      responseTimeMs: Math.round(ms * 10) / 10,
    };
    if (status >= 500) accessLog.record('error', entry, 'request failed');
    else if (QUIET_PATHS.has(req.path) && status < 400) accessLog.record('debug', entry, 'request completed');
    else accessLog.record('info', entry, 'request completed');
  });
}

function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
}

/** `/cb?code=abc&state=x` → `/cb?code=…&state=…` */
export function withoutQueryValues(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const names = url
    .slice(at + 1)
    .split('&')
    .map((pair) => (pair.split('=', 1)[0] ?? '').slice(0, 64));
  return `${url.slice(0, at)}?${names.map((n) => `${n}=…`).join('&')}`;
}

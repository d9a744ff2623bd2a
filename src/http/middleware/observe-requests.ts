import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../../ports/logger.js';
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

/**
 * Gives every request an id (a sane incoming X-Request-Id is kept, so a load
 * balancer's id follows the request) and a logger that stamps it on every
 * line; when the response is done, writes one log line and observes the
 * latency histogram, labelled by the matched route pattern (never the raw
 * path, which would explode cardinality). Query values are never logged:
 * OAuth codes, states and sign-in tokens travel there.
 */
export function observeRequests(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    observeRequest(req, res, logger, metrics, () => routeOf(req));
    next();
  };
}

/**
 * observeRequests for one request, also for endpoints served without Express's
 * router (src/http/direct-routes.ts), which name their route pattern up front
 * (they have no `originalUrl` either: Express sets it while routing).
 */
export function observeRequest(
  req: ApiRequest & { originalUrl?: string },
  res: ServerResponse,
  logger: Logger,
  metrics: Metrics,
  routeOf: () => string,
): void {
  const started = process.hrtime.bigint();
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  req.id = requestId;
  // A plain property: defining a getter per request would push the request
  // object into V8's slow dictionary mode.
  req.log = new RequestLogger(logger, requestId);
  res.setHeader('X-Request-Id', requestId);

  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const status = res.statusCode;
    const method = req.method ?? '';
    // Unset on direct routes: Express sets it while routing.
    const { originalUrl } = req;
    metrics.observeHttpRequest(method, routeOf(), status, seconds);
    const line = {
      requestId,
      req: {
        method,
        url: withoutQueryValues(originalUrl ?? req.url ?? ''),
        remoteAddress: req.ip,
        userAgent: req.headers['user-agent'],
      },
      res: { statusCode: status },
      responseTimeMs: Math.round(seconds * 1e4) / 10,
    };
    if (status >= 500) logger.error(line, 'request failed');
    else if (QUIET_PATHS.has(req.path) && status < 400) logger.debug(line, 'request completed');
    else logger.info(line, 'request completed');
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

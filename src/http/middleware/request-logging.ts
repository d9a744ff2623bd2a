import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../ports/logger.js';

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
 * balancer's id follows the request), a logger that stamps it on every line
 * (created only if something logs), and one line when the response is done.
 * Query values are never logged: OAuth codes, states and sign-in tokens travel there.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    req.id = requestId;
    res.setHeader('X-Request-Id', requestId);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= logger.child({ requestId })), configurable: true });

    res.once('finish', () => {
      const status = res.statusCode;
      const line = {
        requestId,
        req: { method: req.method, url: withoutQueryValues(req.originalUrl), remoteAddress: req.ip, userAgent: req.headers['user-agent'] },
        res: { statusCode: status },
        responseTimeMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      };
      if (status >= 500) logger.error(line, 'request failed');
      else if (QUIET_PATHS.has(req.path) && status < 400) logger.debug(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
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

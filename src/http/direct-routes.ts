import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import type { Metrics } from '../adapters/metrics/prometheus-metrics.js';
import type { Logger } from '../ports/logger.js';
import { answerError } from './middleware/error-handler.js';
import { observeRequest } from './middleware/observe-requests.js';
import { applyHeaders, type HeaderList } from './middleware/security-headers.js';

/** An endpoint's whole work; whatever it throws is answered as the error handler would. */
export type DirectHandler = (req: Request, res: Response) => Promise<void>;

export interface DirectRoutesDeps {
  logger: Logger;
  metrics: Metrics;
  securityHeaders: HeaderList;
  isShuttingDown(): boolean;
}

/**
 * Endpoints served straight from node:http, before Express's router: only the
 * hottest ones (POST /api/v1/credentials answers every AWS CLI process that
 * needs credentials). Express's routing, per-layer bookkeeping and body
 * parsers were about a fifth of the CPU of a cached credentials answer. What
 * every request gets is the same as in the Express app — request id, access
 * log line and latency metric, security headers, draining, problem+json
 * errors — from the same functions; `req`/`res` are Express's own objects
 * (see create-http-server.ts), so features see the same request either way.
 */
export class DirectRoutes {
  readonly #routes = new Map<string, (req: Request, res: Response) => void>();

  constructor(private readonly deps: DirectRoutesDeps) {}

  /** `path` is matched exactly, ignoring case, a trailing slash and the query string (as Express's router does). */
  add(method: string, path: string, handler: DirectHandler): this {
    const { deps } = this;
    this.#routes.set(`${method} ${path.toLowerCase()}`, (req, res) => {
      // What Express's app.handle would have set.
      req.res = res;
      res.req = req;
      observeRequest(req, res, deps.logger, deps.metrics, path);
      if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
      applyHeaders(res, deps.securityHeaders);
      handler(req, res).catch((error: unknown) => {
        try {
          answerError(error, req, res);
        } catch {
          res.destroy(); // nothing sensible can be sent any more
        }
      });
    });
    return this;
  }

  /** The route for this request, or undefined (Express then handles it). */
  match(req: IncomingMessage): ((req: Request, res: Response) => void) | undefined {
    if (this.#routes.size === 0) return undefined;
    let url = req.url ?? '';
    // absolute-form (`POST http://host/path HTTP/1.1`), which origin servers must accept too
    if (!url.startsWith('/')) url = URL.canParse(url) ? new URL(url).pathname : '';
    const query = url.indexOf('?');
    let path = query === -1 ? url : url.slice(0, query);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    return this.#routes.get(`${req.method ?? ''} ${path.toLowerCase()}`);
  }
}

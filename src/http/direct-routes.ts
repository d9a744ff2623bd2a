import type { IncomingMessage, ServerResponse } from 'node:http';
import { isApiPath, type ApiRequest } from './api-request.js';
import { answerApiError } from './middleware/error-handler.js';
import { observeRequest, type RequestObserverDeps } from './middleware/observe-requests.js';
import { applyDeferredHeaders, deferHeaders } from './answer-headers.js';
import type { HeaderList } from './middleware/security-headers.js';
import { clientIp, isSecure, type TrustProxy } from './trust-proxy.js';

/**
 * An API endpoint's whole work, on node:http's request and response: whatever
 * it throws is answered as problem+json. The Express app registers it as a
 * route (create-app.ts); the direct layer may serve it before Express.
 */
export type ApiHandler = (req: ApiRequest, res: ServerResponse) => Promise<void>;

/** One endpoint the direct layer may serve: the same handler the Express router has for it. */
export interface DirectRoute {
  method: string;
  /** The route pattern, matched exactly (no parameters). */
  path: string;
  handler: ApiHandler;
}

export interface DirectRoutesDeps extends RequestObserverDeps {
  /** The API security headers (what securityHeaders() sets on `/api/…`). */
  securityHeaders: HeaderList;
  /** The same function the Express app was given as `trust proxy`. */
  trustProxy: TrustProxy;
  isShuttingDown(): boolean;
}

/** What makes parseurl (Express's `req.path`) leave its fast path; \s covers U+00A0 and U+FEFF. */
const PARSED_APART = /[\s#]/;

type Served = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The optional layer in front of the Express app (create-http-server.ts puts
 * it there): the hottest endpoints served straight from node:http. POST
 * /api/v1/credentials answers every AWS CLI process that needs credentials,
 * and Express's routing, per-layer bookkeeping and prototype swap were a large
 * part of the CPU of a cached answer. Everything else, including other methods
 * on the same paths (405), goes on to Express. What a request gets here is
 * what the app's middleware gives it — request id, access log line and latency
 * metric, security headers, draining, problem+json errors — from the same
 * functions, and then the very handler the Express route calls.
 * test/e2e/direct-layer-differential.test.ts holds the two to the same answers.
 */
export class DirectRoutes {
  readonly #routes = new Map<string, Served>();

  constructor(
    private readonly deps: DirectRoutesDeps,
    routes: readonly DirectRoute[],
  ) {
    for (const route of routes) this.#add(route);
  }

  #add({ method, path, handler }: DirectRoute): void {
    // Only API paths: their errors are problem+json whatever the client accepts, which needs no content negotiation.
    if (!isApiPath(path)) throw new Error(`direct routes serve API paths only, not ${path}`);
    const { deps } = this;
    const routeOf = () => path;
    const securityHeaders = deps.securityHeaders.flat();
    this.#routes.set(`${method} ${path.toLowerCase()}`, (incoming, res) => {
      // What Express's getters would answer for `ip`, `secure` and `path`, computed once.
      const attached = incoming as IncomingMessage & { ip: string | undefined; secure: boolean; path: string };
      attached.ip = clientIp(incoming, deps.trustProxy);
      attached.secure = isSecure(incoming, deps.trustProxy);
      attached.path = pathOf(incoming.url ?? '');
      const req = attached as ApiRequest;
      observeRequest(req, res, deps, routeOf, false);
      // Written with the answer in one writeHead (answer-headers.ts); an error sets them before it is answered.
      const headers = [...securityHeaders, 'X-Request-Id', req.id];
      if (deps.isShuttingDown()) headers.push('Connection', 'close');
      deferHeaders(res, headers);
      handler(req, res).catch((error: unknown) => {
        try {
          if (!res.headersSent) applyDeferredHeaders(res);
          answerApiError(error, req, res);
        } catch {
          res.destroy(); // nothing sensible can be sent any more
        }
      });
    });
  }

  /**
   * The route for this request, or undefined (Express then handles it).
   * Matched as Express's router does: ignoring case, a final slash and the
   * query. Only plain origin-form targets: what Express would parse another
   * way (absolute-form, a fragment, white space: parseurl's slow path) is left to Express.
   */
  match(req: IncomingMessage): Served | undefined {
    const url = req.url ?? '';
    if (this.#routes.size === 0 || !url.startsWith('/') || PARSED_APART.test(url)) return undefined;
    let path = pathOf(url);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    return this.#routes.get(`${req.method ?? ''} ${path.toLowerCase()}`);
  }
}

/** The path of an origin-form request target, as Express's `req.path` gives it. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

import { createServer, type Server } from 'node:http';
import type { RolegateApp } from './create-app.js';

export interface HttpServerOptions {
  /**
   * Serve the app's direct routes (src/http/direct-routes.ts) before Express:
   * the same handlers, same answers, less CPU per request. Default: yes.
   */
  directRoutes?: boolean;
}

/** The HTTP server for a rolegate app: the direct layer in front of the Express app, or the Express app alone. */
export function createHttpServer(app: RolegateApp, options: HttpServerOptions = {}): Server {
  if (options.directRoutes === false) return createServer(app);
  const { directRoutes } = app;
  return createServer((req, res) => {
    const direct = directRoutes.match(req);
    if (direct) direct(req, res);
    else app(req, res);
  });
}

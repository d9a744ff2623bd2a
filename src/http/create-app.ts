import express, { type Express } from 'express';
import type { AppLogger } from '../adapters/logging/create-logger.js';
import type { Metrics } from '../adapters/metrics/prometheus-metrics.js';
import type { Config } from '../config/load-config.js';
import type { DependencyProbe } from '../features/health/check-readiness.js';
import type { IssuerMetadata } from '../ports/assertion-issuer.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { httpMetrics } from './middleware/http-metrics.js';
import { requestLogging } from './middleware/request-logging.js';
import { securityHeaders } from './middleware/security-headers.js';
import { cspReportRoute } from './routes/csp-report-route.js';
import { healthRoutes } from './routes/health-routes.js';
import { issuerRoutes } from './routes/issuer-routes.js';
import { metricsRoute } from './routes/metrics-route.js';

/** What the HTTP layer needs; built once by the composition root (src/deps.ts). */
export interface AppDeps {
  config: Config;
  logger: AppLogger;
  metrics: Metrics;
  probes: readonly DependencyProbe[];
  /** rolegate's SAML metadata, OIDC discovery and JWKS (what AWS trusts). */
  issuerMetadata: IssuerMetadata;
  isShuttingDown(): boolean;
}

/** Builds the Express application. Never listens: main.ts and tests do. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.server.trustProxy);
  app.set('query parser', 'simple');
  app.set('etag', false);

  app.use(requestLogging(deps.logger));
  app.use((_req, res, next) => {
    // While draining, tell keep-alive clients to reconnect (to another instance).
    if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders());

  app.use(healthRoutes(deps));
  app.use(metricsRoute(deps.metrics));
  app.use(cspReportRoute());
  app.use(issuerRoutes(deps.issuerMetadata));

  app.use(notFound);
  app.use(errorHandler());
  return app;
}

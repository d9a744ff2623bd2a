import express, { type Express } from 'express';
import type { Config } from '../config/load-config.js';
import type { DependencyProbe } from '../features/health/check-readiness.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import type { CliAuthDeps } from '../features/cli-auth/cli-auth-deps.js';
import { revokeAllCliGrantsOf } from '../features/cli-auth/revoke.js';
import type { LoginDeps } from '../features/login/login-deps.js';
import type { Limits } from '../features/rate-limits/limits.js';
import type { SessionStore } from '../features/sessions/session-store.js';
import { authRoutes } from './auth/auth-routes.js';
import { loginPageRoute } from './auth/login-page-route.js';
import { sessionMiddleware } from './middleware/session.js';
import { credentialsRoutes, issueCredentialsEndpoint } from './routes/credentials-routes.js';
import { DirectRoutes } from './direct-routes.js';
import { oauthApiRoutes } from './oauth/oauth-api-routes.js';
import { oauthBrowserRoutes } from './oauth/oauth-browser-routes.js';
import { cliSessionsRoutes } from './routes/cli-sessions-routes.js';
import { meRoute } from './routes/me-route.js';
import { adminRoutes, type AdminAppDeps } from './routes/admin-routes.js';
import type { IssuerMetadata } from '../ports/assertion-issuer.js';
import type { AccessLog, Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import { compileTrustProxy } from './trust-proxy.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { loggerAccessLog } from './middleware/access-log.js';
import { observeRequests } from './middleware/observe-requests.js';
import { computeApiSecurityHeaders, securityHeaders } from './middleware/security-headers.js';
import { cspReportRoute } from './routes/csp-report-route.js';
import { healthRoutes, identityProviderDetails } from './routes/health-routes.js';
import { issuerRoutes } from './routes/issuer-routes.js';
import { metricsRoute } from './routes/metrics-route.js';
import type { ConsoleDeps } from '../features/console/issue-console-url.js';
import type { RolePreferences } from '../features/portal/role-preferences.js';
import { consoleUrlRoutes } from './routes/console-url-routes.js';
import { portalRoutes } from './routes/portal-routes.js';
import type { AccessRequestDeps } from '../features/access-requests/access-requests.js';
import { accessRequestsRoutes } from './routes/access-requests-routes.js';

/** What the HTTP layer needs; built once by the composition root (src/composition). */
export interface AppDeps {
  config: Config;
  logger: Logger;
  /** One line per answered request; without it, written through `logger`. */
  accessLog?: AccessLog;
  metrics: Metrics;
  /** Rate limits (rateLimits.*), shared by every instance on the same Redis. */
  limits: Limits;
  probes: readonly DependencyProbe[];
  /** rolegate's SAML metadata, OIDC discovery and JWKS (what AWS trusts). */
  issuerMetadata: IssuerMetadata;
  isShuttingDown(): boolean;
  sessions: SessionStore;
  login: LoginDeps;
  credentials: CredentialsDeps;
  /** rolegate as the authorization server of its own CLI. */
  cliAuth: CliAuthDeps;
  /** Console sign-in URLs (POST /api/v1/console-url, the portal's Console button). */
  console: ConsoleDeps;
  /** The portal's favourites and recently used roles. */
  preferences: RolePreferences;
  /** Administration: access as code, admin API and pages, audit queries, revocation. */
  admin: AdminAppDeps;
  /** Just-in-time access: requests, approvals, grants (/api/v1/access-requests). */
  accessRequests?: AccessRequestDeps;
}

/**
 * The Express application, complete on its own (every route, e.g. for
 * supertest), and the direct layer that create-http-server.ts may put in
 * front of it: the same handlers for the hottest endpoints, without Express.
 */
export type RolegateApp = Express & { readonly directRoutes: DirectRoutes };

/** Builds the Express application and its direct layer. Never listens: main.ts and tests do. */
export function createApp(deps: AppDeps): RolegateApp {
  const app = express();
  const trustProxy = compileTrustProxy(deps.config.server.trustProxy);
  app.disable('x-powered-by');
  // The compiled function itself, so that the direct layer sees clients exactly as Express does.
  app.set('trust proxy', trustProxy);
  app.set('query parser', 'simple');
  app.set('etag', false);

  const observer = { logger: deps.logger, accessLog: deps.accessLog ?? loggerAccessLog(deps.logger), metrics: deps.metrics };
  app.use(observeRequests(observer));
  app.use((_req, res, next) => {
    // While draining, tell keep-alive clients to reconnect (to another instance).
    if (deps.isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(securityHeaders());

  const session = sessionMiddleware({
    sessions: deps.sessions,
    publicUrl: deps.config.server.publicUrl,
    sessionCookieName: deps.config.sessions.cookieName,
    accessTokens: deps.cliAuth.accessTokens,
  });
  const credentials = { credentials: deps.credentials, session, publicUrl: deps.config.server.publicUrl };
  const issueCredentials = issueCredentialsEndpoint(credentials);
  // The hottest endpoint: credential_process calls it for every new AWS CLI process.
  const directRoutes = new DirectRoutes(
    {
      ...observer,
      securityHeaders: computeApiSecurityHeaders(),
      trustProxy,
      isShuttingDown: () => deps.isShuttingDown(),
    },
    [{ method: 'POST', path: '/api/v1/credentials', handler: issueCredentials }],
  );
  app.use(credentialsRoutes(credentials, issueCredentials));

  const availability = deps.login.availability;
  app.use(
    healthRoutes({
      probes: deps.probes,
      isShuttingDown: () => deps.isShuttingDown(),
      ...(availability
        ? {
            details: () => {
              const statuses = availability.statuses();
              return statuses.length > 0 ? { identityProviders: identityProviderDetails(statuses) } : {};
            },
          }
        : {}),
    }),
  );
  app.use(metricsRoute(deps.metrics));
  app.use(cspReportRoute());
  app.use(issuerRoutes(deps.issuerMetadata));

  app.use(loginPageRoute({ idps: deps.login.idps, session, ...(availability ? { availability } : {}) }));
  app.use(
    authRoutes({
      login: deps.login,
      session,
      sessionCookieName: deps.config.sessions.cookieName,
      loginTimeoutMs: deps.config.sessions.loginTimeoutMs,
      samlMaxBodyBytes: deps.config.saml.maxBodyBytes,
      revokeCliGrantsOf: (principalId, ctx) => revokeAllCliGrantsOf(deps.cliAuth, principalId, { by: 'sign-out-everywhere', ctx }),
    }),
  );
  app.use(meRoute(session));
  app.use(oauthApiRoutes(deps.cliAuth, deps.limits));
  app.use(oauthBrowserRoutes({ cli: deps.cliAuth, session }));
  app.use(cliSessionsRoutes({ cli: deps.cliAuth, session }));
  app.use(consoleUrlRoutes({ console: deps.console, session, publicUrl: deps.config.server.publicUrl, preferences: deps.preferences }));
  app.use(portalRoutes({ deps, session }));
  if (deps.accessRequests)
    app.use(accessRequestsRoutes({ accessRequests: deps.accessRequests, session, publicUrl: deps.config.server.publicUrl }));
  app.use(
    adminRoutes({
      admin: deps.admin,
      session,
      groups: deps.config.admin,
      publicUrl: deps.config.server.publicUrl,
      accessFileMaxBytes: deps.config.admin.accessFileMaxBytes,
    }),
  );

  app.use(notFound);
  app.use(errorHandler());
  return Object.assign(app, { directRoutes });
}

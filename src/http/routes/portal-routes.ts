import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { RolegateError, isRolegateError } from '../../domain/errors.js';
import { issueConsoleUrl } from '../../features/console/issue-console-url.js';
import { issueCredentials } from '../../features/credentials/issue-credentials.js';
import { listRoles } from '../../features/credentials/list-roles.js';
import type { AppDeps } from '../create-app.js';
import { csrfProtection } from '../middleware/csrf.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { portalGate, RESUMABLE_ACTIONS } from './portal-gate.js';
import { portalAccessRequestsRoutes } from './portal-access-requests-routes.js';
import { portalSessionsRoutes } from './portal-sessions-routes.js';
import { portalReviewsRoutes } from './portal-reviews-routes.js';
import { continuePage, nothingToContinuePage } from '../views/portal/continue-page.js';
import { toProblem } from '../problem.js';
import { consoleRedirectPage, degradedPage, justificationPage, type PortalAction } from '../views/portal/action-pages.js';
import { credentialsPage } from '../views/portal/credentials-page.js';
import type { Viewer } from '../views/portal/layout.js';
import { portalHref, rolesPage } from '../views/portal/roles-page.js';
import { PORTAL_QUERY_MAX, portalSearchIndex } from '../../features/portal/role-listing.js';
import { callerOf } from '../middleware/caller-of.js';
import { staticAssets } from './static-assets.js';

const roleForm = z.object({
  _csrf: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  role: z.string().min(1).max(64),
  durationSeconds: z.coerce.number().int().min(900).max(43_200).optional(),
  justification: z.string().max(1000).optional(),
});
const continueQuery = z.object({
  action: z.enum(RESUMABLE_ACTIONS),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  role: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name'),
  durationSeconds: z.coerce.number().int().min(900).max(43_200).optional(),
});
const pageNumber = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'expected a page number (1, 2, …)')
  .transform(Number);
const searchText = z.string().max(PORTAL_QUERY_MAX, `expected at most ${String(PORTAL_QUERY_MAX)} characters`);
const portalQuery = z.object({
  q: z.string({ error: 'expected one search text' }).pipe(searchText).optional(),
  page: z.string({ error: 'expected one page number' }).pipe(pageNumber).optional(),
});
const favouriteForm = roleForm.pick({ accountId: true, role: true }).extend({ q: searchText.optional(), page: pageNumber.optional() });

/**
 * The SSO portal (docs/portal.md): server-rendered pages at /portal, the
 * forms behind its buttons, and its one script and stylesheet. Every POST is
 * CSRF-checked; pages that carry credentials or sign-in URLs are no-store.
 */
export function portalRoutes({ deps, session }: { deps: AppDeps; session: SessionMiddleware }): Router {
  const router = Router();
  const publicUrl = deps.config.server.publicUrl;
  const form = express.urlencoded({ extended: false, limit: 8192, parameterLimit: 10 });
  const gate = portalGate(session, publicUrl, deps.config.sessions.cookieName);
  const csrf = csrfProtection(publicUrl);
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store').setHeader('Pragma', 'no-cache');

  router.use(staticAssets());
  router.get('/', (_req, res) => res.redirect(303, '/portal'));

  router.get('/portal', ...gate, async (req, res) => {
    const viewer = viewerOf(req);
    const caller = callerOf(req);
    const { q = '', page = 1 } = portalQuery.parse(req.query);
    const [roles, prefs] = await Promise.all([
      listRoles(deps.credentials, caller.principal, caller.sourceIp),
      deps.preferences.get(caller.principal.id),
    ]);
    noStore(res);
    res.type('html').send(rolesPage({ viewer, roles, prefs, q, page, requests: deps.accessRequests !== undefined }));
  });

  // What portal.js counts a search's matches in as you type, before the server's page of rows arrives.
  router.get('/portal/search-index', ...gate, async (req, res) => {
    const caller = callerOf(req);
    const roles = await listRoles(deps.credentials, caller.principal, caller.sourceIp);
    noStore(res);
    res.json(portalSearchIndex(roles, { requests: deps.accessRequests !== undefined }));
  });

  // Where a Console or CLI credentials click that met an expired session comes back to (portal-gate.ts).
  router.get('/portal/continue', ...gate, async (req, res) => {
    const viewer = viewerOf(req);
    const caller = callerOf(req);
    const query = continueQuery.parse(req.query);
    const roles = await listRoles(deps.credentials, caller.principal, caller.sourceIp);
    const account = roles.accounts.find((a) => a.id === query.accountId);
    const role = account?.roles.find((r) => r.name === query.role);
    noStore(res);
    if (!account || !role) {
      res.type('html').send(nothingToContinuePage(viewer, query));
      return;
    }
    const durationSeconds = Math.min(query.durationSeconds ?? 3600, role.maxSessionSeconds);
    res.type('html').send(continuePage(viewer, { action: query.action, account, role, durationSeconds }));
  });

  const needsJustification = (error: unknown) => isRolegateError(error) && error.extras.reason === 'justification_required';
  const prompt = (req: Request, res: Response, action: PortalAction, body: z.infer<typeof roleForm>, error: unknown) => {
    const given = body.justification !== undefined && body.justification.trim() !== '';
    res.status(given ? 400 : 200).type('html');
    noStore(res);
    res.send(
      justificationPage(viewerOf(req), {
        action,
        accountId: body.accountId,
        role: body.role,
        ...(body.durationSeconds === undefined ? {} : { durationSeconds: body.durationSeconds }),
        ...(given && isRolegateError(error) ? { error: error.detail, justification: body.justification ?? '' } : {}),
      }),
    );
  };
  const justification = (body: z.infer<typeof roleForm>) =>
    body.justification === undefined || body.justification.trim() === '' ? {} : { justification: body.justification };

  router.post('/portal/credentials', form, ...gate, csrf, async (req, res) => {
    const body = roleForm.parse(req.body);
    const caller = callerOf(req);
    let issued;
    try {
      issued = await issueCredentials(deps.credentials, caller, {
        account: body.accountId,
        role: body.role,
        ...(body.durationSeconds === undefined ? {} : { durationSeconds: body.durationSeconds }),
        ...justification(body),
      });
    } catch (error) {
      if (needsJustification(error)) return prompt(req, res, 'credentials', body, error);
      throw error;
    }
    await deps.preferences.touchRecent(caller.principal.id, issued.account.id, issued.role.name, caller.log);
    const c = issued.credentials;
    noStore(res);
    res.type('html').send(
      credentialsPage(viewerOf(req), {
        account: issued.account,
        role: issued.role,
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiresAt: new Date(c.expiresAt),
        durationSeconds: issued.durationSeconds,
        notes: issued.notes,
      }),
    );
  });

  router.post('/portal/console', form, ...gate, csrf, async (req, res) => {
    const body = roleForm.parse(req.body);
    const caller = callerOf(req);
    let issued;
    try {
      issued = await issueConsoleUrl(deps.console, caller, {
        account: body.accountId,
        role: body.role,
        ...(body.durationSeconds === undefined ? {} : { consoleSeconds: body.durationSeconds }),
        ...justification(body),
      });
    } catch (error) {
      if (needsJustification(error)) return prompt(req, res, 'console', body, error);
      throw error;
    }
    await deps.preferences.touchRecent(caller.principal.id, issued.account.id, issued.role.name, caller.log);
    noStore(res);
    res
      .type('html')
      .send(consoleRedirectPage({ url: issued.url.reveal(), role: issued.role.name, alias: issued.account.alias, notes: issued.notes }));
  });

  router.post('/portal/favourites', form, ...gate, csrf, async (req, res) => {
    const body = favouriteForm.parse(req.body);
    const caller = callerOf(req);
    await deps.preferences.toggleFavourite(caller.principal.id, body.accountId, body.role);
    res.redirect(303, portalHref(body.q?.trim() ?? '', body.page));
  });

  router.use(portalSessionsRoutes({ cli: deps.cliAuth, gate, viewerOf }));
  if (deps.accessRequests) router.use(portalAccessRequestsRoutes({ app: deps, accessRequests: deps.accessRequests, gate, viewerOf }));
  if (deps.admin.reviews)
    router.use(portalReviewsRoutes({ reviews: deps.admin.reviews, groups: deps.config.admin, publicUrl, gate, viewerOf }));
  router.use('/portal', portalErrors);
  return router;
}

/** Errors on portal pages as portal pages (with the header), for browsers; the rest goes on to the JSON/HTML handler. */
const portalErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (!isRolegateError(error) && !(error instanceof z.ZodError)) return next(error);
  if (res.headersSent || req.accepts(['text/html', 'application/json']) !== 'text/html') return next(error);
  const known =
    error instanceof z.ZodError
      ? new RolegateError('invalid_request', { detail: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') })
      : error;
  if (known.status >= 500 && known.code !== 'dependency_unavailable' && known.code !== 'sts_throttled') return next(error);
  const problem = toProblem(known, req.id);
  if (known.status >= 500) req.log.error({ err: error, code: known.code }, 'request failed');
  for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
  res.status(known.status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(
    degradedPage({
      ...(req.session ? { viewer: { principal: req.session.principal, csrfToken: req.session.csrfToken } } : {}),
      detail: problem.detail,
      requestId: req.id,
      status: problem.status,
      title: problem.title,
    }),
  );
};

function viewerOf(req: Request): Viewer {
  const s = req.session;
  if (!s) throw new RolegateError('login_required', { detail: 'Sign in first' });
  return { principal: s.principal, csrfToken: s.csrfToken };
}

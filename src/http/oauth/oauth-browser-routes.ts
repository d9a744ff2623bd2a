import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { isRolegateError, RolegateError } from '../../domain/errors.js';
import { signInPath } from '../../domain/return-to.js';
import {
  checkAuthorizationParams,
  checkClientAndRedirect,
  decideConsent,
  errorRedirect,
  startConsent,
} from '../../features/cli-auth/authorize.js';
import type { CliAuthDeps } from '../../features/cli-auth/cli-auth-deps.js';
import { decideDevice, lookUpUserCode } from '../../features/cli-auth/device-flow.js';
import { requestContext } from '../auth/request-context.js';
import { csrfProtection } from '../middleware/csrf.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { consentPage, continueToCliPage, deviceConfirmPage, deviceDonePage, deviceEntryPage } from '../views/cli-auth-pages.js';

const decisionBody = z.object({ decision: z.enum(['approve', 'deny']), consent: z.string().max(100).optional() });
const deviceBody = z.object({ decision: z.enum(['approve', 'deny']), user_code: z.string().max(32) });
const form = express.urlencoded({ extended: false, limit: 4096, parameterLimit: 10 });
const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');

/**
 * The browser-facing half of the CLI's authorization server: the
 * authorization endpoint with its consent page (loopback + PKCE, RFC 8252)
 * and the device verification page (RFC 8628 §3.3). Both need a signed-in
 * browser session (never a bearer token) and a CSRF-checked answer.
 */
export function oauthBrowserRoutes(deps: { cli: CliAuthDeps; session: SessionMiddleware }): Router {
  const router = Router();
  const csrf = csrfProtection(deps.cli.publicUrl);

  router.get('/oauth/authorize', deps.session.optionalSession({ bearer: false }), async (req, res) => {
    noStore(res);
    const query = req.query as Record<string, unknown>;
    // A wrong client or redirect_uri is shown here, never sent anywhere (no open redirect).
    const checked = await checkClientAndRedirect(deps.cli, query);
    const params = checkAuthorizationParams(checked, query);
    if (!params.ok) {
      res.redirect(303, errorRedirect(deps.cli, checked.redirectUri, query.state, params.error));
      return;
    }
    const session = req.session;
    if (!session) {
      res.redirect(303, signInPath(req.originalUrl));
      return;
    }
    const consentId = await startConsent(deps.cli, session, params.request);
    res.type('html').send(
      consentPage({
        username: session.principal.username,
        clientName: checked.client.name,
        redirectPort: new URL(checked.redirectUri).port || '80',
        grantEndsAt: Math.min(session.expiresAt, deps.cli.clock.now() + deps.cli.settings.maxSessionTtlMs),
        consentId,
        csrfToken: session.csrfToken,
      }),
    );
  });

  router.post('/oauth/authorize/decision', form, deps.session.requireSession({ mode: 'api', bearer: false }), csrf, async (req, res) => {
    const session = req.session;
    if (!session) throw new RolegateError('login_required');
    const body = decisionBody.parse(req.body);
    const approve = body.decision === 'approve';
    const { redirectUrl } = await decideConsent(deps.cli, requestContext(req), session, { consentId: body.consent ?? '', approve });
    noStore(res);
    res.type('html').send(continueToCliPage(redirectUrl, approve));
  });

  router.get('/device', deps.session.requireSession({ mode: 'page', bearer: false }), async (req, res) => {
    const session = req.session;
    if (!session) throw new RolegateError('login_required');
    noStore(res);
    const typed = typeof req.query.user_code === 'string' ? req.query.user_code.slice(0, 32) : undefined;
    if (typed === undefined || typed.trim() === '') {
      res.type('html').send(deviceEntryPage({ username: session.principal.username }));
      return;
    }
    try {
      const { record, userCode, review } = await lookUpUserCode(deps.cli, requestContext(req), session, typed);
      res.type('html').send(
        deviceConfirmPage({
          username: session.principal.username,
          userCode,
          clientName: record.clientName,
          deviceName: record.deviceName,
          grantEndsAt: Math.min(session.expiresAt, deps.cli.clock.now() + deps.cli.settings.maxSessionTtlMs),
          csrfToken: session.csrfToken,
          review,
          now: deps.cli.clock.now(),
        }),
      );
    } catch (error) {
      // A wrong code is answered on the entry form; anything else (rate limit, outage) by the error handler.
      if (!isRolegateError(error) || error.code !== 'invalid_request') throw error;
      res
        .status(400)
        .type('html')
        .send(deviceEntryPage({ username: session.principal.username, error: error.detail, typed }));
    }
  });

  router.post('/device', form, deps.session.requireSession({ mode: 'api', bearer: false }), csrf, async (req, res) => {
    const session = req.session;
    if (!session) throw new RolegateError('login_required');
    const body = deviceBody.parse(req.body);
    const approve = body.decision === 'approve';
    const { record } = await decideDevice(deps.cli, requestContext(req), session, { userCode: body.user_code, approve });
    noStore(res);
    res.type('html').send(deviceDonePage(approve, record.deviceName));
  });

  return router;
}

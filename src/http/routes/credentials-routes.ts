import { Router, type RequestHandler } from 'express';
import { RolegateError } from '../../domain/errors.js';
import { parseCredentialsRequest, type CredentialsResponse } from '../../contracts/credentials.js';
import { issueCredentials, type CredentialsDeps } from '../../features/credentials/issue-credentials.js';
import { RolesAnswers } from '../../features/credentials/roles-answers.js';
import { isoTimeOf } from '../../support/iso-time.js';
import { callerOf } from '../middleware/caller-of.js';
import { writeAnswer } from '../answer-headers.js';
import type { ApiHandler } from '../direct-routes.js';
import { csrfRefusal } from '../middleware/csrf.js';
import { readJsonBody } from '../middleware/json-body.js';
import type { SessionMiddleware } from '../middleware/session.js';

export interface CredentialsRoutesDeps {
  credentials: CredentialsDeps;
  session: SessionMiddleware;
  publicUrl: URL;
}

/**
 * GET /api/v1/roles (docs/api.md): the caller's entitled roles, and the
 * visible denied ones with why; POST /api/v1/credentials with `issue` (the
 * handler the direct layer may also serve it with), 405 for other methods.
 */
export function credentialsRoutes(deps: CredentialsRoutesDeps, issue: ApiHandler): Router {
  const router = Router();
  const api = deps.session.requireSession({ mode: 'api' });

  // Decided and serialised once per (model version, groups, facts the decision read): see roles-answers.ts.
  const answers = deps.credentials.rolesAnswers ?? new RolesAnswers(deps.credentials);
  router.get('/api/v1/roles', api, async (req, res) => {
    const caller = callerOf(req);
    const { json } = await answers.answer(caller.principal, caller.sourceIp);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(json);
  });
  router.post('/api/v1/credentials', (req, res, next) => {
    issue(req, res).catch(next);
  });
  router.all('/api/v1/credentials', onlyMethods('/api/v1/credentials', 'POST'));

  return router;
}

/** RFC 9110 §15.5.6: 405 with the methods the resource answers in `Allow`. */
function onlyMethods(path: string, ...allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (_req, _res, next) => {
    next(new RolegateError('method_not_allowed', { detail: `${path} answers ${allow} only`, headers: { Allow: allow } }));
  };
}

/**
 * POST /api/v1/credentials (docs/api.md), on the Express router and, in
 * front of it, the direct layer (see direct-routes.ts): every AWS CLI process
 * that needs credentials asks it.
 * The same steps as the Express routes, in the same order: the caller
 * (session cookie or CLI bearer token: 401), the JSON body (415/413/400),
 * CSRF for browser sessions (403), the shared contract (400; the common
 * request checked by hand, anything else by its zod schema), then the
 * feature. Answers that carry credentials are never stored by browsers or proxies.
 */
export function issueCredentialsEndpoint(deps: CredentialsRoutesDeps): ApiHandler {
  return async (req, res) => {
    await deps.session.requireCaller(req, { bearer: true });
    req.body = await readJsonBody(req, 8 * 1024);
    const refusal = csrfRefusal(req, deps.publicUrl);
    if (refusal) throw refusal;
    const body = parseCredentialsRequest(req.body);
    const issued = await issueCredentials(deps.credentials, callerOf(req), {
      account: body.accountId ?? body.alias ?? '',
      role: body.role,
      durationSeconds: body.durationSeconds,
      justification: body.justification,
    });
    const { credentials: c } = issued;
    // Literals of one shape throughout (no conditional spreads): the hottest answer rolegate gives.
    const answer: CredentialsResponse = {
      account: { id: issued.account.id, alias: issued.account.alias, partition: issued.account.partition, region: issued.account.region },
      role: { name: issued.role.name, arn: issued.role.arn },
      credentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: isoTimeOf(c.expiresAt),
      },
      durationSeconds: issued.durationSeconds,
      notes: issued.notes,
      sessionName: c.sessionName,
      sourceIdentity: c.sourceIdentity || undefined,
      cached: issued.source !== 'sts',
    };
    const json = JSON.stringify(answer);
    writeAnswer(
      res,
      200,
      [
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(Buffer.byteLength(json)),
        'Cache-Control',
        'no-store',
        'Pragma',
        'no-cache',
      ],
      json,
    );
  };
}

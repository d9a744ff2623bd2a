import { Router } from 'express';
import { credentialsRequestSchema, type CredentialsResponse } from '../../contracts/credentials.js';
import { issueCredentials, type CredentialsDeps } from '../../features/credentials/issue-credentials.js';
import { listRoles } from '../../features/credentials/list-roles.js';
import { callerOf } from '../middleware/caller-of.js';
import { csrfProtection } from '../middleware/csrf.js';
import { jsonBody } from '../middleware/json-body.js';
import type { SessionMiddleware } from '../middleware/session.js';

export interface CredentialsRoutesDeps {
  credentials: CredentialsDeps;
  session: SessionMiddleware;
  publicUrl: URL;
}

/**
 * GET /api/v1/roles and POST /api/v1/credentials (docs/api.md). Thin: parse
 * with the shared zod contract, call the feature, serialise. Answers that
 * carry credentials are never stored by browsers or proxies.
 */
export function credentialsRoutes(deps: CredentialsRoutesDeps): Router {
  const router = Router();
  const api = deps.session.requireSession({ mode: 'api' });

  router.get('/api/v1/roles', api, async (req, res) => {
    const caller = callerOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listRoles(deps.credentials, caller.principal, caller.sourceIp));
  });

  router.post('/api/v1/credentials', api, ...jsonBody(), csrfProtection(deps.publicUrl), async (req, res) => {
    const body = credentialsRequestSchema.parse(req.body);
    const issued = await issueCredentials(deps.credentials, callerOf(req), {
      account: body.accountId ?? body.alias ?? '',
      role: body.role,
      ...(body.durationSeconds === undefined ? {} : { durationSeconds: body.durationSeconds }),
      ...(body.justification === undefined ? {} : { justification: body.justification }),
    });
    const { credentials: c } = issued;
    const answer: CredentialsResponse = {
      account: { id: issued.account.id, alias: issued.account.alias, partition: issued.account.partition, region: issued.account.region },
      role: { name: issued.role.name, arn: issued.role.arn },
      credentials: {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
        expiration: new Date(c.expiresAt).toISOString(),
      },
      durationSeconds: issued.durationSeconds,
      notes: issued.notes,
      sessionName: c.sessionName,
      ...(c.sourceIdentity ? { sourceIdentity: c.sourceIdentity } : {}),
      cached: issued.source !== 'sts',
    };
    // Written directly rather than through res.json: this is the hottest answer rolegate gives,
    // and Express's send (freshness, ETag and HEAD checks) does nothing for a POST.
    const json = JSON.stringify(answer);
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    });
    res.end(json);
  });
  return router;
}

import { Router } from 'express';
import { consoleUrlRequestSchema, type ConsoleUrlResponse } from '../../contracts/console-url.js';
import { issueConsoleUrl, type ConsoleDeps } from '../../features/console/issue-console-url.js';
import type { RolePreferences } from '../../features/portal/role-preferences.js';
import { csrfRefusal } from '../middleware/csrf.js';
import { readJsonBody } from '../middleware/json-body.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { callerOf } from '../middleware/caller-of.js';

/**
 * POST /api/v1/console-url (docs/api.md): a one-time console sign-in URL.
 * The answer is a bearer secret for 15 minutes: never stored by caches.
 */
export function consoleUrlRoutes(deps: {
  console: ConsoleDeps;
  session: SessionMiddleware;
  publicUrl: URL;
  preferences: RolePreferences;
}): Router {
  const router = Router();
  router.post('/api/v1/console-url', deps.session.requireSession({ mode: 'api' }), async (req, res) => {
    req.body = await readJsonBody(req, 8 * 1024);
    const refusal = csrfRefusal(req, deps.publicUrl);
    if (refusal) throw refusal;
    const body = consoleUrlRequestSchema.parse(req.body);
    const caller = callerOf(req);
    const issued = await issueConsoleUrl(deps.console, caller, {
      account: body.accountId ?? body.alias ?? '',
      role: body.role,
      ...(body.destination === undefined ? {} : { destination: body.destination }),
      ...(body.durationSeconds === undefined ? {} : { consoleSeconds: body.durationSeconds }),
      ...(body.justification === undefined ? {} : { justification: body.justification }),
    });
    await deps.preferences.touchRecent(caller.principal.id, issued.account.id, issued.role.name, caller.log);
    const answer: ConsoleUrlResponse = {
      account: { id: issued.account.id, alias: issued.account.alias, partition: issued.account.partition },
      role: { name: issued.role.name, arn: issued.role.arn },
      url: issued.url.reveal(),
      expiresAt: issued.expiresAt.toISOString(),
      ...(issued.sessionDurationSeconds === undefined ? {} : { sessionDurationSeconds: issued.sessionDurationSeconds }),
      notes: issued.notes,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.json(answer);
  });
  return router;
}

import { Router } from 'express';
import { auditQuerySchema, type AuditPageResponse } from '../../contracts/admin.js';
import { auditEvents, auditPage } from '../../features/admin/query-audit.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import { streamPieces } from '../stream-body.js';

/**
 * GET /api/v1/admin/audit: filtered, newest first, keyset-paginated with an
 * opaque cursor. With `Accept: application/x-ndjson` or `?format=jsonl`, every
 * matching event is streamed as JSON lines (no limit, page by page).
 */
export function adminAuditRoutes(deps: { auditQuery: AuditQuery }): Router {
  const router = Router();
  router.get('/api/v1/admin/audit', async (req, res) => {
    const params = auditQuerySchema.parse(req.query);
    res.setHeader('Cache-Control', 'no-store');
    const jsonl =
      params.format === 'jsonl' ||
      (params.format === undefined && req.accepts(['application/json', 'application/x-ndjson']) === 'application/x-ndjson');
    if (!jsonl) {
      res.json((await auditPage(deps.auditQuery, params)) satisfies AuditPageResponse);
      return;
    }
    const events = auditEvents(deps.auditQuery, params);
    // The first page is read before the headers go out, so a failing query is still a problem+json answer.
    const first = await events.next();
    res.type('application/x-ndjson').setHeader('Content-Disposition', 'attachment; filename="audit.jsonl"');
    if (first.done === true) {
      res.end();
      return;
    }
    await streamPieces(res, `${JSON.stringify(first.value)}\n`, jsonLines(events));
  });
  return router;
}

/** Each event as one line of JSON Lines; stopping the lines stops the events (and their cursor). */
function jsonLines<T>(events: AsyncGenerator<T>): AsyncIterator<string> {
  return {
    next: async () => {
      const next = await events.next();
      return next.done === true ? { done: true, value: undefined } : { done: false, value: `${JSON.stringify(next.value)}\n` };
    },
    return: async () => {
      await events.return(undefined);
      return { done: true, value: undefined };
    },
  };
}

import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  openReviewSchema,
  reviewDecisionSchema,
  reviewPageQuerySchema,
  usageQuerySchema,
  type ReviewPageResponse,
  type UsageReport,
} from '../../contracts/access-reviews.js';
import { RolegateError } from '../../domain/errors.js';
import {
  closeReview,
  decideEntry,
  getReview,
  openReview,
  type ReviewDeps,
  type Reviewer,
} from '../../features/access-reviews/campaigns.js';
import { entryView, reviewCsv, reviewJson, reviewView } from '../../features/access-reviews/review-evidence.js';
import { reviewProposal } from '../../features/access-reviews/review-proposal.js';
import { reportUsage } from '../../features/access-reviews/usage-report.js';
import { adminRoleOf, type AdminGroups } from '../middleware/admin-auth.js';
import { callerOf } from '../middleware/caller-of.js';
import { csrfProtection } from '../middleware/csrf.js';
import { readJsonBody } from '../middleware/json-body.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { streamPieces } from '../stream-body.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The :id of a review route (404 for anything that is not a review id) and the :position of an entry. */
export function reviewIdOf(req: Request): string {
  const id = String(req.params.id);
  if (!UUID.test(id)) throw new RolegateError('not_found', { detail: `No review ${id.slice(0, 100)}` });
  return id.toLowerCase();
}

export function positionOf(req: Request): number {
  const text = String(req.params.position);
  if (!/^\d{1,9}$/.test(text)) throw new RolegateError('not_found', { detail: `No entry ${text.slice(0, 100)}` });
  return Number(text);
}

/** The caller as a reviewer: an administrator, or an owner of the entry's account. */
export function reviewerOf(req: Request, groups: AdminGroups): Reviewer {
  const caller = callerOf(req);
  return { ...caller, isAdmin: adminRoleOf(caller.principal, groups) === 'admin' };
}

/**
 * GET /api/v1/admin/usage, and the campaigns under /api/v1/admin/reviews
 * (docs/api.md): open, list, a page of entries, decide (administrators),
 * close, export (CSV or JSON) and the proposed access-file change. Mounted
 * behind adminGuard: auditors read, administrators write.
 */
export function adminReviewsRoutes(deps: { reviews: ReviewDeps; groups: AdminGroups }): Router {
  const router = Router();
  const r = deps.reviews;
  const noStore = (res: Response) => res.setHeader('Cache-Control', 'no-store');

  router.get('/api/v1/admin/usage', async (req, res) => {
    const params = usageQuerySchema.parse(req.query);
    noStore(res);
    res.json((await reportUsage(r, params)) satisfies UsageReport);
  });

  router.post('/api/v1/admin/reviews', async (req, res) => {
    const review = await openReview(r, callerOf(req), openReviewSchema.parse(req.body));
    noStore(res);
    res.status(201).setHeader('Location', `/api/v1/admin/reviews/${review.id}`);
    res.json(reviewView(review));
  });

  router.get('/api/v1/admin/reviews', async (_req, res) => {
    noStore(res);
    res.json({ reviews: (await r.reviews.list(200)).map(reviewView) });
  });

  router.get('/api/v1/admin/reviews/:id', async (req, res) => {
    const id = reviewIdOf(req);
    const query = reviewPageQuerySchema.parse(req.query);
    const review = await getReview(r, id);
    const entries = await r.reviews.entries(id, query.after ?? 0, query.limit);
    const last = entries.at(-1);
    noStore(res);
    res.json({
      review: reviewView(review),
      entries: entries.map(entryView),
      ...(last && entries.length === query.limit && last.position < review.entryCount ? { nextAfter: last.position } : {}),
    } satisfies ReviewPageResponse);
  });

  router.post('/api/v1/admin/reviews/:id/entries/:position', async (req, res) => {
    const entry = await decideEntry(
      r,
      reviewerOf(req, deps.groups),
      reviewIdOf(req),
      positionOf(req),
      reviewDecisionSchema.parse(req.body),
    );
    noStore(res);
    res.json(entryView(entry));
  });

  router.post('/api/v1/admin/reviews/:id/close', async (req, res) => {
    noStore(res);
    res.json(reviewView(await closeReview(r, callerOf(req), reviewIdOf(req))));
  });

  router.get('/api/v1/admin/reviews/:id/proposal', async (req, res) => {
    noStore(res);
    res.json(await reviewProposal(r, reviewIdOf(req)));
  });

  router.get('/api/v1/admin/reviews/:id/export', async (req, res) => {
    const id = reviewIdOf(req);
    const format = req.query.format === 'csv' ? 'csv' : req.query.format === undefined || req.query.format === 'json' ? 'json' : undefined;
    if (!format) throw new RolegateError('invalid_request', { detail: 'format is csv or json' });
    noStore(res);
    await sendEvidence(r, id, format, res);
  });

  return router;
}

/** The evidence of one campaign, as an attachment: JSON whole, CSV streamed (the first line read before the headers go out). */
export async function sendEvidence(deps: ReviewDeps, id: string, format: 'csv' | 'json', res: Response): Promise<void> {
  if (format === 'json') {
    const evidence = await reviewJson(deps, id);
    res.setHeader('Content-Disposition', `attachment; filename="review-${id}.json"`);
    res.json(evidence);
    return;
  }
  const lines = reviewCsv(deps, id);
  const first = await lines.next();
  res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="review-${id}.csv"`);
  if (first.done === true) {
    res.end();
    return;
  }
  await streamPieces(res, first.value, lines);
}

/**
 * POST /api/v1/reviews/:id/entries/:position (docs/api.md): an owner of the
 * entry's account confirms or removes it, with a portal session (and its CSRF
 * token) or a CLI bearer token. Owners need not be administrators.
 */
export function ownerReviewRoutes(deps: { reviews: ReviewDeps; groups: AdminGroups; session: SessionMiddleware; publicUrl: URL }): Router {
  const router = Router();
  const jsonBody: RequestHandler = (req, _res, next) => {
    readJsonBody(req, 8 * 1024).then((body) => {
      req.body = body;
      next();
    }, next);
  };
  router.post(
    '/api/v1/reviews/:id/entries/:position',
    deps.session.requireSession({ mode: 'api' }),
    jsonBody,
    csrfProtection(deps.publicUrl),
    async (req, res) => {
      const entry = await decideEntry(
        deps.reviews,
        reviewerOf(req, deps.groups),
        reviewIdOf(req),
        positionOf(req),
        reviewDecisionSchema.parse(req.body),
      );
      res.setHeader('Cache-Control', 'no-store');
      res.json(entryView(entry));
    },
  );
  return router;
}

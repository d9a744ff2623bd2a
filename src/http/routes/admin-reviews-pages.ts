import { Router, type Request } from 'express';
import { openReviewSchema, reviewDecisionSchema, reviewPageQuerySchema } from '../../contracts/access-reviews.js';
import { RolegateError } from '../../domain/errors.js';
import { closeReview, decideEntry, getReview, openReview, type ReviewDeps } from '../../features/access-reviews/campaigns.js';
import { entryView, reviewView } from '../../features/access-reviews/review-evidence.js';
import { reviewProposal } from '../../features/access-reviews/review-proposal.js';
import type { AdminGroups } from '../middleware/admin-auth.js';
import { callerOf } from '../middleware/caller-of.js';
import { proposalPage, reviewPage, reviewsListPage } from '../views/admin/reviews-page.js';
import { positionOf, reviewerOf, reviewIdOf, sendEvidence } from './admin-reviews-routes.js';

const PAGE = 100;

function csrfOf(req: Request): string {
  const token = req.session?.csrfToken;
  if (token === undefined) throw new RolegateError('login_required', { detail: 'Sign in first' });
  return token;
}

/** The access-review pages under /admin/reviews (server-rendered forms, CSRF), mounted behind adminGuard in page mode. */
export function adminReviewsPages(deps: { reviews: ReviewDeps; groups: AdminGroups }): Router {
  const router = Router();
  const r = deps.reviews;
  router.get('/admin/reviews', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(reviewsListPage((await r.reviews.list(200)).map(reviewView), csrfOf(req)));
  });
  router.post('/admin/reviews', async (req, res) => {
    const form = req.body as Record<string, unknown>;
    const ask = openReviewSchema.parse({
      scope: { kind: form.kind, value: form.value },
      ...(typeof form.sinceDays === 'string' && form.sinceDays !== '' ? { sinceDays: Number(form.sinceDays) } : {}),
    });
    const review = await openReview(r, callerOf(req), ask);
    res.redirect(303, `/admin/reviews/${review.id}`);
  });
  router.get('/admin/reviews/:id', async (req, res) => {
    const id = reviewIdOf(req);
    const query = reviewPageQuerySchema.parse({ ...req.query, limit: String(PAGE) });
    const review = await getReview(r, id);
    const entries = await r.reviews.entries(id, query.after ?? 0, PAGE);
    const last = entries.at(-1);
    const next = last && entries.length === PAGE && last.position < review.entryCount ? last.position : undefined;
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(reviewPage(reviewView(review), entries.map(entryView), next, csrfOf(req)));
  });
  router.post('/admin/reviews/:id/entries/:position', async (req, res) => {
    const id = reviewIdOf(req);
    const position = positionOf(req);
    const form = req.body as Record<string, unknown>;
    await decideEntry(r, reviewerOf(req, deps.groups), id, position, reviewDecisionSchema.parse({ decision: form.decision }));
    // Back to the page of entries that holds this one.
    const after = Math.floor((position - 1) / PAGE) * PAGE;
    res.redirect(303, `/admin/reviews/${id}${after > 0 ? `?after=${String(after)}` : ''}#entry-${String(position)}`);
  });
  router.post('/admin/reviews/:id/close', async (req, res) => {
    const review = await closeReview(r, callerOf(req), reviewIdOf(req));
    res.redirect(303, `/admin/reviews/${review.id}`);
  });
  router.get('/admin/reviews/:id/proposal', async (req, res) => {
    const id = reviewIdOf(req);
    const review = await getReview(r, id);
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(proposalPage(reviewView(review), await reviewProposal(r, id)));
  });
  for (const format of ['csv', 'json'] as const) {
    router.get(`/admin/reviews/:id/export.${format}`, async (req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      await sendEvidence(r, reviewIdOf(req), format, res);
    });
  }
  return router;
}

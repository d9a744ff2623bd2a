import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { reviewDecisionSchema } from '../../contracts/access-reviews.js';
import { isRolegateError, RolegateError } from '../../domain/errors.js';
import { decideEntry, reviewsWaitingFor, type ReviewDeps } from '../../features/access-reviews/campaigns.js';
import type { WaitingPosition } from '../../ports/access-review-store.js';
import type { AdminGroups } from '../middleware/admin-auth.js';
import { csrfProtection } from '../middleware/csrf.js';
import { entryLabel, reviewDecisionRefusedPage, reviewsWaitingPage } from '../views/portal/reviews-page.js';
import type { Viewer } from '../views/portal/layout.js';
import { positionOf, reviewerOf, reviewIdOf } from './admin-reviews-routes.js';

const PAGE = 50;
const POSITION = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,9})$/;
const decisionForm = z.object({
  _csrf: z.string().optional(),
  decision: z.string().optional(),
  comment: z.string().optional(),
});

/** `<review id>:<position>` (the `after` and `decided` of /portal/reviews), or undefined when absent or malformed. */
function positionIn(value: unknown): WaitingPosition | undefined {
  const match = typeof value === 'string' ? POSITION.exec(value.toLowerCase()) : null;
  return match?.[1] && match[2] ? { reviewId: match[1], position: Number(match[2]) } : undefined;
}

/**
 * The owners' face of review campaigns in the portal (docs/portal.md#access-reviews): the entries
 * waiting for the viewer, and a form per entry to confirm or remove it with a comment. Every rule
 * (owner of the account, not about your own access, one decision per entry) is decideEntry's, as
 * for POST /api/v1/reviews/:id/entries/:position; a refusal is a page with its status.
 */
export function portalReviewsRoutes(deps: {
  reviews: ReviewDeps;
  groups: AdminGroups;
  publicUrl: URL;
  gate: RequestHandler[];
  viewerOf: (req: Request) => Viewer;
}): Router {
  const router = Router();
  const { gate, viewerOf } = deps;
  const form = express.urlencoded({ extended: false, limit: 8192, parameterLimit: 10 });
  const csrf = csrfProtection(deps.publicUrl);
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(body);
  };

  router.get('/portal/reviews', ...gate, async (req, res) => {
    if (req.query.after !== undefined && positionIn(req.query.after) === undefined)
      throw new RolegateError('invalid_request', { detail: 'after: expected <review id>:<position>, as the "More entries" link has it' });
    const after = positionIn(req.query.after);
    const { items, next } = await reviewsWaitingFor(deps.reviews, reviewerOf(req, deps.groups), after, PAGE);
    const decided = positionIn(req.query.decided);
    const decision = req.query.decision === 'confirm' ? 'confirmed' : req.query.decision === 'remove' ? 'removed' : undefined;
    send(
      res,
      reviewsWaitingPage({
        viewer: viewerOf(req),
        items,
        ...(next ? { next: `${next.reviewId}:${String(next.position)}` } : {}),
        ...(decided && decision ? { status: `You ${decision} entry ${String(decided.position)}; it is recorded with your name.` } : {}),
      }),
    );
  });

  router.post('/portal/reviews/:id/entries/:position', form, ...gate, csrf, async (req, res) => {
    const id = reviewIdOf(req);
    const position = positionOf(req);
    const body = decisionForm.parse(req.body);
    const comment = body.comment?.trim();
    try {
      const ask = reviewDecisionSchema.safeParse({ decision: body.decision, ...(comment ? { comment } : {}) });
      if (!ask.success)
        throw new RolegateError('invalid_request', {
          detail: ask.error.issues
            .map((i) => (i.path[0] === 'comment' ? 'Comment: at most 1,000 characters' : 'Decision: choose Confirm or Remove'))
            .join('; '),
        });
      const entry = await decideEntry(deps.reviews, reviewerOf(req, deps.groups), id, position, ask.data);
      res.redirect(303, `/portal/reviews?decided=${id}:${String(position)}&decision=${entry.decision ?? ''}`);
    } catch (error) {
      if (!isRolegateError(error) || error.status >= 500) throw error;
      const entry = error.status === 409 ? await deps.reviews.reviews.entry(id, position) : undefined;
      send(
        res,
        reviewDecisionRefusedPage({
          viewer: viewerOf(req),
          status: error.status,
          detail: entry && entry.decision !== null ? `${entryLabel(entry)} was decided already.` : error.detail,
          ...(entry ? { entry } : {}),
        }),
        error.status,
      );
    }
  });
  return router;
}

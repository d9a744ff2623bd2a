import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { accessRequestDecisionSchema, accessRequestIdSchema } from '../../contracts/access-requests.js';
import type { AccessIndex } from '../../domain/access-index.js';
import { approverRefusal, type AccessRequestRecord } from '../../domain/access-requests.js';
import { isRolegateError, RolegateError } from '../../domain/errors.js';
import {
  approveRequest,
  cancelRequest,
  denyRequest,
  getRequest,
  listMyRequests,
  listToApprove,
  requestAccess,
  requesterHistory,
  type AccessRequestDeps,
} from '../../features/access-requests/access-requests.js';
import { listRoles } from '../../features/credentials/list-roles.js';
import { callerOf } from '../middleware/caller-of.js';
import { csrfProtection } from '../middleware/csrf.js';
import {
  approvalsPage,
  myRequestsPage,
  requestFormPage,
  requestPage,
  type EligibleRow,
  type RequestFormValues,
  type RequestRow,
} from '../views/portal/access-requests-pages.js';
import type { Viewer } from '../views/portal/layout.js';
import type { AppDeps } from '../create-app.js';
import { secondsOf } from './access-requests-routes.js';

const text = (max: number) => z.string().max(max).optional().default('');
const requestForm = z.object({
  _csrf: z.string().optional(),
  roles: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  duration: text(20),
  reason: text(2000),
  ticket: text(200),
  startsAt: text(40),
});
const decisionForm = z.object({ _csrf: z.string().optional(), comment: z.string().max(1000).optional() });
const START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;
/** How many earlier requests of the requester an approver sees. */
const HISTORY = 10;

/**
 * The portal's just-in-time access pages (docs/portal.md, docs/just-in-time.md):
 * the request form, "my requests", one request (where Slack links point) and
 * the approvals inbox. Each is a browser face of the features behind
 * /api/v1/access-requests; every rule stays there. Refusals of the form
 * re-render it with the feature's message and status.
 */
export function portalAccessRequestsRoutes(deps: {
  app: AppDeps;
  accessRequests: AccessRequestDeps;
  gate: RequestHandler[];
  viewerOf: (req: Request) => Viewer;
}): Router {
  const router = Router();
  const ar = deps.accessRequests;
  const { gate, viewerOf } = deps;
  // Up to 20 roles (MAX_PAIRS_PER_REQUEST) and the text fields.
  const form = express.urlencoded({ extended: false, limit: 16 * 1024, parameterLimit: 40 });
  const csrf = csrfProtection(deps.app.config.server.publicUrl);
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).setHeader('Cache-Control', 'no-store').type('html').send(body);
  };
  const eligibleOf = async (req: Request): Promise<EligibleRow[]> => {
    const caller = callerOf(req);
    const roles = await listRoles(deps.app.credentials, caller.principal, caller.sourceIp);
    return roles.accounts.flatMap((account) => (account.eligible ?? []).map((role) => ({ account, role })));
  };
  const rowsOf = async (records: AccessRequestRecord[]): Promise<RequestRow[]> => {
    const model = await ar.accessModel.index().catch(() => undefined);
    return records.map((record) => rowOf(record, model));
  };

  router.get('/portal/requests/new', ...gate, async (req, res) => {
    const chosen = req.query.role;
    const roles = (Array.isArray(chosen) ? chosen : [chosen]).filter((v): v is string => typeof v === 'string').slice(0, 20);
    send(res, requestFormPage({ viewer: viewerOf(req), eligible: await eligibleOf(req), values: { ...EMPTY, roles } }));
  });

  router.post('/portal/requests', form, ...gate, csrf, async (req, res) => {
    const parsed = requestForm.safeParse(req.body);
    const values: RequestFormValues = parsed.success ? parsed.data : EMPTY;
    try {
      if (!parsed.success) throw new RolegateError('invalid_request', { detail: parsed.error.issues.map(issueText).join('; ') });
      await requestAccess(ar, callerOf(req), askOf(values));
    } catch (error) {
      if (!isRolegateError(error) || error.status >= 500) throw error;
      send(res, requestFormPage({ viewer: viewerOf(req), eligible: await eligibleOf(req), values, error: error.detail }), error.status);
      return;
    }
    res.redirect(303, '/portal/requests');
  });

  router.get('/portal/requests', ...gate, async (req, res) => {
    send(res, myRequestsPage(viewerOf(req), await rowsOf(await listMyRequests(ar, callerOf(req), 100))));
  });

  router.get('/portal/approvals', ...gate, async (req, res) => {
    const caller = callerOf(req);
    const pending = await listToApprove(ar, caller, 50);
    const items = await Promise.all(
      pending.map(async (record) => ({
        row: (await rowsOf([record]))[0] ?? { record },
        history: await rowsOf(await requesterHistory(ar, caller, record, HISTORY)),
      })),
    );
    send(res, approvalsPage(viewerOf(req), items));
  });

  router.get('/portal/requests/:id', ...gate, async (req, res) => {
    const caller = callerOf(req);
    const record = await getRequest(ar, caller, idOf(req));
    const canDecide = decidableBy(record, caller.principal);
    const history = record.principalId === caller.principal.id ? undefined : await requesterHistory(ar, caller, record, HISTORY);
    const [row] = await rowsOf([record]);
    send(
      res,
      requestPage({
        viewer: viewerOf(req),
        row: row ?? { record },
        canDecide,
        ...(history === undefined ? {} : { history: await rowsOf(history) }),
      }),
    );
  });

  router.post('/portal/requests/:id/approve', form, ...gate, csrf, async (req, res) => {
    const id = idOf(req);
    try {
      await approveRequest(ar, callerOf(req), id, commentOf(req));
    } catch (error) {
      // The step-up sign-in (a recent strong sign-in) brings the approver back here to click Approve again.
      if (isRolegateError(error) && error.code === 'step_up_required') {
        res.redirect(303, `/login/step-up?returnTo=${encodeURIComponent(`/portal/requests/${id}`)}`);
        return;
      }
      throw error;
    }
    res.redirect(303, `/portal/requests/${id}`);
  });

  router.post('/portal/requests/:id/deny', form, ...gate, csrf, async (req, res) => {
    const id = idOf(req);
    await denyRequest(ar, callerOf(req), id, commentOf(req));
    res.redirect(303, `/portal/requests/${id}`);
  });

  router.post('/portal/requests/:id/cancel', form, ...gate, csrf, async (req, res) => {
    await cancelRequest(ar, callerOf(req), idOf(req));
    res.redirect(303, '/portal/requests');
  });

  return router;
}

const EMPTY: RequestFormValues = { roles: [], duration: '1h', reason: '', ticket: '', startsAt: '' };

function issueText(issue: z.core.$ZodIssue): string {
  return `${issue.path.join('.')}: ${issue.message}`;
}

/** The feature's ask from the form: `<account id>/<role>` checkboxes, a duration text, a UTC start. */
function askOf(values: RequestFormValues): Parameters<typeof requestAccess>[2] {
  const roles = values.roles.map((value) => {
    const at = value.indexOf('/');
    return { account: at < 0 ? '' : value.slice(0, at), role: at < 0 ? value : value.slice(at + 1) };
  });
  if (roles.length === 0) throw new RolegateError('invalid_request', { detail: 'Choose at least one role to request' });
  const duration = values.duration.trim();
  const durationSeconds = /^\d{1,7}$/.test(duration) ? Number(duration) : secondsOf(duration);
  const start = values.startsAt.trim();
  if (start !== '' && !START.test(start))
    throw new RolegateError('invalid_request', { detail: 'Start: expected a date and time such as 2026-12-03T09:00 (UTC)' });
  return {
    roles,
    durationSeconds,
    ...(values.reason.trim() === '' ? {} : { reason: values.reason }),
    ...(values.ticket.trim() === '' ? {} : { ticket: values.ticket }),
    ...(start === '' ? {} : { startsAt: Date.parse(`${start}Z`) }),
  };
}

function idOf(req: Request): string {
  return accessRequestIdSchema.parse(req.params).id;
}

/** The decision's comment, checked as the API checks it (empty: none). */
function commentOf(req: Request): string | undefined {
  const { comment } = decisionForm.parse(req.body);
  if (comment === undefined || comment.trim() === '') return undefined;
  return accessRequestDecisionSchema.parse({ comment }).comment;
}

/** Whether to offer Approve / Deny: pending, and the viewer is one who may decide (the feature decides again on the click). */
function decidableBy(record: AccessRequestRecord, viewer: { id: string; groups: readonly string[] }): boolean {
  return (
    record.state === 'pending' &&
    approverRefusal(record, record.policy, viewer) === undefined &&
    !record.approvals.some((a) => a.approverId === viewer.id)
  );
}

function rowOf(record: AccessRequestRecord, model: AccessIndex | undefined): RequestRow {
  const alias = model?.accountById.get(record.accountId)?.alias;
  const description = model?.roleById.get(record.roleId)?.description;
  return { record, ...(alias === undefined ? {} : { alias }), ...(description === undefined ? {} : { description }) };
}

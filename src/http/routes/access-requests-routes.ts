import { Router, type Request, type RequestHandler } from 'express';
import {
  accessRequestCreateSchema,
  accessRequestDecisionSchema,
  accessRequestIdSchema,
  accessRequestListSchema,
  adminAccessRequestListSchema,
  grantRevocationSchema,
  rolePairsOf,
  type AccessRequestBatchResponse,
  type AccessRequestListResponse,
  type AccessRequestView,
} from '../../contracts/access-requests.js';
import type { AccessIndex } from '../../domain/access-index.js';
import { parseDurationText, type AccessRequestRecord } from '../../domain/access-requests.js';
import { safeReturnTo } from '../../domain/return-to.js';
import { RolegateError } from '../../domain/errors.js';
import {
  approveRequest,
  cancelRequest,
  denyRequest,
  getRequest,
  listAllRequests,
  listMyRequests,
  listToApprove,
  requestAccess,
  revokeGrant,
  type AccessRequestDeps,
} from '../../features/access-requests/access-requests.js';
import { callerOf } from '../middleware/caller-of.js';
import { csrfProtection } from '../middleware/csrf.js';
import { readJsonBody } from '../middleware/json-body.js';
import type { SessionMiddleware } from '../middleware/session.js';

const BASE = '/api/v1/access-requests';

/**
 * /api/v1/access-requests (docs/api.md): create, list (mine or to approve),
 * get, approve, deny, cancel. A portal session or a CLI bearer token; the
 * state-changing routes need the CSRF token from browsers, as every other.
 */
export function accessRequestsRoutes(deps: { accessRequests: AccessRequestDeps; session: SessionMiddleware; publicUrl: URL }): Router {
  const router = Router();
  const api = deps.session.requireSession({ mode: 'api' });
  // The JSON body (8 KB at most, as the other API writes), then CSRF for browser callers.
  const jsonBody: RequestHandler = (req, _res, next) => {
    readJsonBody(req, 8 * 1024).then((body) => {
      req.body = body;
      next();
    }, next);
  };
  const write = [api, jsonBody, csrfProtection(deps.publicUrl)];
  const ar = deps.accessRequests;

  router.post(BASE, ...write, async (req, res) => {
    const body = accessRequestCreateSchema.parse(req.body);
    const records = await requestAccess(ar, callerOf(req), {
      roles: rolePairsOf(body),
      durationSeconds: secondsOf(body.duration),
      ...(body.reason === undefined ? {} : { reason: body.reason }),
      ...(body.ticket === undefined ? {} : { ticket: body.ticket }),
      ...(body.startsAt === undefined ? {} : { startsAt: Date.parse(body.startsAt) }),
    });
    const [first] = records;
    if (body.roles === undefined && first !== undefined) {
      // Today's single form answers with the one request, as before.
      res.status(201).setHeader('Location', `${BASE}/${first.id}`);
      await send(ar, res, first);
      return;
    }
    const model = await ar.accessModel.index().catch(() => undefined);
    const answer: AccessRequestBatchResponse = {
      ...(first?.batchId === undefined ? {} : { batchId: first.batchId }),
      requests: records.map((r) => viewOf(r, model)),
    };
    res.status(201).setHeader('Cache-Control', 'no-store');
    res.json(answer);
  });

  router.get(BASE, api, async (req, res) => {
    const query = accessRequestListSchema.parse(req.query);
    const caller = callerOf(req);
    const records =
      query.view === 'to-approve' ? await listToApprove(ar, caller, query.limit) : await listMyRequests(ar, caller, query.limit);
    await sendList(ar, res, records);
  });

  router.get(`${BASE}/:id`, api, async (req, res) => {
    await send(ar, res, await getRequest(ar, callerOf(req), idOf(req)));
  });

  router.post(`${BASE}/:id/approve`, ...write, async (req, res) => {
    const body = accessRequestDecisionSchema.parse(req.body);
    await send(ar, res, await approveRequest(ar, callerOf(req), idOf(req), body.comment, safeReturnTo(req.query.returnTo)));
  });

  router.post(`${BASE}/:id/deny`, ...write, async (req, res) => {
    const body = accessRequestDecisionSchema.parse(req.body);
    await send(ar, res, await denyRequest(ar, callerOf(req), idOf(req), body.comment));
  });

  router.post(`${BASE}/:id/cancel`, ...write, async (req, res) => {
    await send(ar, res, await cancelRequest(ar, callerOf(req), idOf(req)));
  });

  return router;
}

/** /api/v1/admin/access-requests: every request, and revoking a grant. Mounted behind adminGuard (admin-routes.ts). */
export function adminAccessRequestsRoutes(deps: { accessRequests: AccessRequestDeps }): Router {
  const router = Router();
  const ar = deps.accessRequests;
  router.get('/api/v1/admin/access-requests', async (req, res) => {
    const query = adminAccessRequestListSchema.parse(req.query);
    await sendList(
      ar,
      res,
      await listAllRequests(ar, {
        ...(query.state ? { states: query.state } : {}),
        ...(query.user ? { principalId: query.user } : {}),
        limit: query.limit,
      }),
    );
  });
  router.post('/api/v1/admin/access-requests/:id/revoke', async (req, res) => {
    if (!req.is('application/json')) throw new RolegateError('unsupported_media_type', { detail: 'Send the body as application/json' });
    const body = grantRevocationSchema.parse(req.body);
    await send(ar, res, await revokeGrant(ar, callerOf(req), idOf(req), body.reason));
  });
  return router;
}

function idOf(req: Request): string {
  return accessRequestIdSchema.parse(req.params).id;
}

/** Seconds of the API's (and the portal form's) duration: seconds, or a text such as `4h`. */
export function secondsOf(duration: number | string): number {
  if (typeof duration === 'number') return duration;
  const seconds = parseDurationText(duration);
  if (seconds === undefined) throw new RolegateError('invalid_request', { detail: 'duration: expected seconds or a duration such as 4h' });
  return seconds;
}

type Res = Parameters<Parameters<Router['get']>[1]>[1];

async function send(ar: AccessRequestDeps, res: Res, record: AccessRequestRecord): Promise<void> {
  const model = await ar.accessModel.index().catch(() => undefined);
  res.setHeader('Cache-Control', 'no-store');
  res.json(viewOf(record, model));
}

async function sendList(ar: AccessRequestDeps, res: Res, records: AccessRequestRecord[]): Promise<void> {
  const model = await ar.accessModel.index().catch(() => undefined);
  const body: AccessRequestListResponse = { requests: records.map((r) => viewOf(r, model)) };
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A record as the API shows it (the account's alias from the current model, when it is still there). */
export function viewOf(record: AccessRequestRecord, model: AccessIndex | undefined): AccessRequestView {
  const alias = model?.accountById.get(record.accountId)?.alias;
  const view: AccessRequestView = {
    id: record.id,
    state: record.state,
    requester: { id: record.principalId, username: record.username, groups: record.groups },
    account: { id: record.accountId, ...(alias === undefined ? {} : { alias }) },
    role: { arn: record.roleArn, name: record.roleArn.split('/').at(-1) ?? record.roleArn },
    durationSeconds: record.durationSeconds,
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    approvals: record.approvals.map((a) => ({
      approverId: a.approverId,
      at: new Date(a.at).toISOString(),
      ...(a.comment === undefined ? {} : { comment: a.comment }),
    })),
    approvalsNeeded: record.policy.approvalsNeeded,
    approverGroups: record.policy.approverGroups,
    autoApproved: record.autoApproved,
  };
  const optional: Record<string, string | undefined> = {
    reason: record.reason,
    ticket: record.ticket,
    startsAt: iso(record.startsAt),
    decidedAt: iso(record.decidedAt),
    decidedBy: record.decidedBy,
    decisionComment: record.decisionComment,
    activatedAt: iso(record.activatedAt),
    endsAt: iso(record.endsAt),
    endedAt: iso(record.endedAt),
    endedBy: record.endedBy,
    endReason: record.endReason,
    batchId: record.batchId,
  };
  return {
    ...view,
    ...(Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)) as Partial<AccessRequestView>),
  };
}

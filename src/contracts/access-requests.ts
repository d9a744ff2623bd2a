import { z } from 'zod';
import { ACCESS_REQUEST_STATES, DURATION_TEXT, type AccessRequestState } from '../domain/access-requests.js';
import { exactlyOneAccount } from './credentials.js';

/**
 * Just-in-time access (docs/just-in-time.md, docs/api.md): requests for
 * eligible roles under /api/v1/access-requests. Shared by the API and the CLI.
 */

/** A grant length: seconds, or text such as `4h`, `90m`, `1h30m`. */
const durationField = z.union([
  z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400),
  z.string().regex(DURATION_TEXT, 'expected seconds or a duration such as 4h, 90m or 1h30m').min(2),
]);

const accountFields = {
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
    .optional(),
  alias: z.string().min(1).max(64).optional(),
};

/** One (account, role) pair of `roles`. */
const rolePairSchema = z.strictObject({ ...accountFields, role: z.string().min(1).max(64) }).refine(...exactlyOneAccount);

/** Most pairs one request names (features/access-requests: MAX_PAIRS_PER_REQUEST). */
const MAX_PAIRS = 20;

/**
 * `POST /api/v1/access-requests`: one role (`accountId` or `alias`, and
 * `role`) or several (`roles: [{alias, role}, …]`), never both. Several
 * pairs are several requests sharing a batch id, created all or none.
 */
export const accessRequestCreateSchema = z
  .strictObject({
    ...accountFields,
    role: z.string().min(1).max(64).optional(),
    roles: z.array(rolePairSchema).min(1).max(MAX_PAIRS).optional(),
    /** How long the grant should last, at most the role's maxGrant. */
    duration: durationField,
    /** Why: shown to approvers and audited (required unless the policy says otherwise). */
    reason: z.string().max(2000).optional(),
    /** A ticket id (required, and matched, when the policy has a ticket pattern). */
    ticket: z.string().max(200).optional(),
    /** When the grant should start (ISO 8601); default: when approved. */
    startsAt: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.roles !== undefined) {
      if (body.role !== undefined || body.accountId !== undefined || body.alias !== undefined)
        ctx.addIssue({ code: 'custom', path: ['roles'], message: 'give roles, or accountId/alias and role, not both' });
      return;
    }
    if (body.role === undefined) ctx.addIssue({ code: 'custom', path: ['role'], message: 'give role (with accountId or alias) or roles' });
    const [ok, issue] = exactlyOneAccount;
    if (!ok(body)) ctx.addIssue({ code: 'custom', ...issue });
  });
export type AccessRequestCreate = z.infer<typeof accessRequestCreateSchema>;

/** The pairs a create body names, in order (the single form is one pair). */
export function rolePairsOf(body: AccessRequestCreate): { account: string; role: string }[] {
  const pairs = body.roles ?? [{ accountId: body.accountId, alias: body.alias, role: body.role ?? '' }];
  return pairs.map((p) => ({ account: p.accountId ?? p.alias ?? '', role: p.role }));
}

/** `POST /api/v1/access-requests/:id/approve` and `/deny`. */
export const accessRequestDecisionSchema = z.strictObject({
  comment: z.string().trim().min(1).max(1000).optional(),
});

/** `POST /api/v1/admin/access-requests/:id/revoke`. */
export const grantRevocationSchema = z.strictObject({
  reason: z.string().trim().min(3, 'say why the grant is revoked').max(1000),
});

/** `GET /api/v1/access-requests` (`view=mine`, the default, or `view=to-approve`) and the admin list. */
export const accessRequestListSchema = z.strictObject({
  view: z.enum(['mine', 'to-approve']).default('mine'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const adminAccessRequestListSchema = z.strictObject({
  state: z
    .string()
    .max(200)
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(ACCESS_REQUEST_STATES)))
    .optional(),
  user: z.string().min(3).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const accessRequestIdSchema = z.strictObject({ id: z.uuid({ error: 'expected an access request id (a UUID)' }) });

/** One request as the API shows it. Times are ISO 8601 UTC. */
export interface AccessRequestView {
  id: string;
  state: AccessRequestState;
  requester: { id: string; username: string; groups: string[] };
  account: { id: string; alias?: string };
  role: { arn: string; name: string };
  durationSeconds: number;
  reason?: string;
  ticket?: string;
  createdAt: string;
  /** A pending request expires unanswered at this time. */
  expiresAt: string;
  startsAt?: string;
  decidedAt?: string;
  decidedBy?: string;
  decisionComment?: string;
  activatedAt?: string;
  /** The grant's end: credentials issued under it never outlive it. */
  endsAt?: string;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
  approvals: { approverId: string; at: string; comment?: string }[];
  approvalsNeeded: number;
  approverGroups: string[];
  autoApproved: boolean;
  /** Requests made together (several roles at once) share this id. */
  batchId?: string;
}

export interface AccessRequestListResponse {
  requests: AccessRequestView[];
}

/** `POST /api/v1/access-requests` with `roles`: every request made, in the order asked, and their batch id (several pairs). */
export interface AccessRequestBatchResponse {
  batchId?: string;
  requests: AccessRequestView[];
}

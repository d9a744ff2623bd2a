import { z } from 'zod';
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
  z
    .string()
    .regex(/^(?:\d{1,3}d)?(?:\d{1,4}h)?(?:\d{1,6}m)?(?:\d{1,7}s)?$/, 'expected seconds or a duration such as 4h, 90m or 1h30m')
    .min(2),
]);

/** `POST /api/v1/access-requests`. */
export const accessRequestCreateSchema = z
  .strictObject({
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
      .optional(),
    alias: z.string().min(1).max(64).optional(),
    role: z.string().min(1).max(64),
    /** How long the grant should last, at most the role's maxGrant. */
    duration: durationField,
    /** Why: shown to approvers and audited (required unless the policy says otherwise). */
    reason: z.string().max(2000).optional(),
    /** A ticket id (required, and matched, when the policy has a ticket pattern). */
    ticket: z.string().max(200).optional(),
    /** When the grant should start (ISO 8601); default: when approved. */
    startsAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine(...exactlyOneAccount);
export type AccessRequestCreate = z.infer<typeof accessRequestCreateSchema>;

/** `POST /api/v1/access-requests/:id/approve` and `/deny`. */
export const accessRequestDecisionSchema = z.strictObject({
  comment: z.string().trim().min(1).max(1000).optional(),
});

/** `POST /api/v1/admin/access-requests/:id/revoke`. */
export const grantRevocationSchema = z.strictObject({
  reason: z.string().trim().min(3, 'say why the grant is revoked').max(1000),
});

export const ACCESS_REQUEST_STATE_NAMES = [
  'pending',
  'approved',
  'denied',
  'cancelled',
  'expired_unanswered',
  'active',
  'expired',
  'revoked',
] as const;

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
    .pipe(z.array(z.enum(ACCESS_REQUEST_STATE_NAMES)))
    .optional(),
  user: z.string().min(3).max(300).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const accessRequestIdSchema = z.strictObject({ id: z.uuid({ error: 'expected an access request id (a UUID)' }) });

/** One request as the API shows it. Times are ISO 8601 UTC. */
export interface AccessRequestView {
  id: string;
  state: (typeof ACCESS_REQUEST_STATE_NAMES)[number];
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
}

export interface AccessRequestListResponse {
  requests: AccessRequestView[];
}

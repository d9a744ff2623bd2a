import { z } from 'zod';
import type { EffectiveGrant } from '../domain/access-diff.js';

/**
 * Body of POST /api/v1/admin/access/plan and /apply when sent as JSON: the
 * access file as YAML text (positions in errors), or the document as JSON.
 * The file may also be sent as is with Content-Type application/yaml.
 */
export const accessApplyRequestSchema = z
  .strictObject({
    /** Bounded by the body limit of these endpoints (admin.accessFileMaxBytes), not here. */
    yaml: z.string().optional(),
    document: z.record(z.string(), z.unknown()).optional(),
    dryRun: z.boolean().optional(),
    /** A name for the file in error messages (`access.yaml:12:5 …`). */
    source: z.string().max(200).optional(),
  })
  .refine((body) => (body.yaml === undefined) !== (body.document === undefined), { error: 'send exactly one of yaml or document' });
export type AccessApplyRequest = z.infer<typeof accessApplyRequestSchema>;

export interface AccessChangeView {
  kind: 'identityProvider' | 'account' | 'role' | 'mapping';
  action: 'add' | 'change' | 'remove';
  key: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  fields?: string[];
}

/** One grant of effective access: a group (from an IdP) to `account/role`, with its conditions (docs/access-as-code.md); the domain's own shape, sent as JSON. */
export type EffectiveGrantView = EffectiveGrant;

export interface ConditionChangeView {
  condition: string;
  before: unknown;
  after: unknown;
  direction: 'tightened' | 'loosened' | 'changed';
}

/** Someone a change of effective access reaches, from the identities the broker has seen sign in. */
export interface AffectedUserView {
  user: string;
  username?: string;
  /** ISO 8601: their latest sign-in. */
  lastSignIn: string;
}

export type EffectiveChangeView = (
  | { action: 'grant'; grant: EffectiveGrantView }
  | { action: 'revoke'; grant: EffectiveGrantView }
  | { action: 'change'; before: EffectiveGrantView; after: EffectiveGrantView; conditions: ConditionChangeView[] }
) & {
  /** Set by the broker when the caller is an administrator or auditor: the named users the change reaches. */
  users?: AffectedUserView[];
};

/** Answer of plan and apply. */
export interface AccessApplyResponse {
  changes: AccessChangeView[];
  /** The change in effective access (who gains or loses which role, and conditions that tightened or loosened); plan and dry runs. */
  effective?: EffectiveChangeView[];
  summary: { add: number; change: number; remove: number };
  applied: boolean;
  dryRun: boolean;
}

/** Answer of GET /api/v1/admin/access/export?format=json. */
export interface AccessExportResponse {
  yaml: string;
  document: Record<string, unknown>;
}

/** One problem of an invalid access file (the problem+json `problems` member). */
export interface AccessFileProblemView {
  line?: number;
  column?: number;
  path: string;
  message: string;
}

const isoDate = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' });

/** Text a filter may hold: printable, no control characters (a NUL byte is refused by PostgreSQL). */
const filterText = (max: number, pattern: RegExp, expected: string) =>
  z
    .string({ error: `expected one value (${expected})` })
    .min(1, { error: `expected ${expected}` })
    .max(max, { error: `at most ${String(max)} characters (${expected})` })
    .regex(pattern, { error: `expected ${expected}` })
    .optional();

/** Where a request came from, told by its user agent (as the usage report counts it: docs/admin.md#usage-report). */
export const AUDIT_SURFACES = ['cli', 'portal', 'api'] as const;
export type AuditSurface = (typeof AUDIT_SURFACES)[number];

/** Query of GET /api/v1/admin/audit (and of the /admin/audit page). */
export const auditQuerySchema = z.strictObject(
  {
    user: filterText(300, /^[^\s:]+:[^\p{Cc}]+$/u, 'a principal id <idp>:<subject>, e.g. demo:alice'),
    role: filterText(
      2048,
      /^(?:arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}|[\w+=,.@-]{1,64})$/,
      'a role ARN (arn:aws:iam::<account>:role/<name>) or a role name of 1-64 letters, digits and +=,.@_-',
    ),
    account: filterText(12, /^\d{12}$/, 'a 12-digit AWS account id'),
    from: isoDate.optional(),
    to: isoDate.optional(),
    outcome: z.enum(['success', 'denied', 'error'], { error: 'expected success, denied or error' }).optional(),
    type: filterText(
      100,
      /^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*\.?$/,
      "an event type (credentials.issue) or a prefix ending in '.' (admin.)",
    ),
    surface: z.enum(AUDIT_SURFACES, { error: 'expected cli, portal or api' }).optional(),
    limit: z.coerce
      .number({ error: 'expected an integer from 1 to 1000' })
      .int({ error: 'expected an integer from 1 to 1000' })
      .min(1, { error: 'expected an integer from 1 to 1000' })
      .max(1000, { error: 'expected an integer from 1 to 1000' })
      .default(100),
    cursor: z.string({ error: 'expected one cursor' }).max(200, { error: 'is not one this API returned' }).optional(),
    format: z.enum(['json', 'jsonl'], { error: 'expected json or jsonl' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown filter ${issue.keys.join(', ')}` : undefined) },
);
export type AuditQueryParams = z.infer<typeof auditQuerySchema>;

/** One audit event as the API shows it. */
export interface AuditEventView {
  id: string;
  at: string;
  type: string;
  outcome: 'success' | 'denied' | 'error';
  reason?: string;
  subject?: string;
  idp?: string;
  groups?: readonly string[];
  accountId?: string;
  roleArn?: string;
  mode?: string;
  durationSeconds?: number;
  sourceIp?: string;
  userAgent?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** Answer of GET /api/v1/admin/audit (JSON): one page, newest first; `nextCursor` fetches the next (older) page. */
export interface AuditPageResponse {
  events: AuditEventView[];
  nextCursor?: string;
}

/** Body of POST /api/v1/admin/revocations: a user (principal id `<idp>:<subject>`) or a role ARN. */
export const revocationRequestSchema = z
  .strictObject({
    user: z.string().min(3).max(300).optional(),
    roleArn: z.string().min(1).max(2048).optional(),
    /** Why (audited with the revocation). */
    reason: z.string().trim().min(3).max(1000).optional(),
  })
  .refine((body) => (body.user === undefined) !== (body.roleArn === undefined), { error: 'send exactly one of user or roleArn' });

import { z } from 'zod';

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

/** Answer of plan and apply. */
export interface AccessApplyResponse {
  changes: AccessChangeView[];
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

/** Query of GET /api/v1/admin/audit. */
export const auditQuerySchema = z.strictObject({
  user: z.string().min(1).max(300).optional(),
  role: z.string().min(1).max(2048).optional(),
  account: z.string().min(1).max(64).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  outcome: z.enum(['success', 'denied', 'error']).optional(),
  type: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
  format: z.enum(['json', 'jsonl']).optional(),
});
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
  })
  .refine((body) => (body.user === undefined) !== (body.roleArn === undefined), { error: 'send exactly one of user or roleArn' });

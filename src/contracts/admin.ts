import { z } from 'zod';

/**
 * Body of POST /api/v1/admin/access/plan and /apply when sent as JSON: the
 * access file as YAML text (positions in errors), or the document as JSON.
 * The file may also be sent as is with Content-Type application/yaml.
 */
export const accessApplyRequestSchema = z
  .strictObject({
    yaml: z.string().max(1_000_000).optional(),
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

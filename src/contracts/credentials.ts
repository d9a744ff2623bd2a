import { z } from 'zod';

/** The fields that name one role and vouch for break-glass use: shared by every request for a role. */
export const roleRequestFields = {
  /** The 12-digit account id; give this or `alias`. */
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
    .optional(),
  /** The account's friendly alias; give this or `accountId`. */
  alias: z.string().min(1).max(64).optional(),
  /** Role name as in IAM (without path). */
  role: z.string().min(1).max(64),
  /** Required for break-glass roles: why you need emergency access. Audited. */
  justification: z.string().trim().min(10, 'a justification needs at least 10 characters').max(1000).optional(),
};

/** `.refine(...exactlyOneAccount)`: an account is named by its id or its alias, never both. */
export const exactlyOneAccount: [
  (body: { accountId?: string | undefined; alias?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (body) => (body.accountId === undefined) !== (body.alias === undefined),
  { message: 'give exactly one of accountId or alias', path: ['accountId'] },
];

/**
 * `POST /api/v1/credentials` — temporary AWS credentials for one role.
 * Shared by the API and the rolegate CLI (`credential-process`, `exec`, `serve`).
 */
export const credentialsRequestSchema = z
  .strictObject({
    ...roleRequestFields,
    /** Requested session length; clamped to what the role and mapping allow (the answer says so). */
    durationSeconds: z.number().int().min(900).max(43_200).optional(),
  })
  .refine(...exactlyOneAccount);

export type CredentialsRequest = z.infer<typeof credentialsRequestSchema>;

const ACCOUNT_ID = /^\d{12}$/;
const PLAIN_KEYS = new Set(['accountId', 'alias', 'role', 'durationSeconds']);

/**
 * credentialsRequestSchema.parse, with the common request (an account, a
 * role, maybe a duration: what every `credential_process` sends) checked by
 * hand first: zod's generic walk was a visible part of a cached answer's CPU.
 * Anything else — a justification (trimmed by the schema), an unknown key, a
 * value the schema refuses — goes to zod, which answers it or names the
 * problem. test/unit/contracts proves both agree.
 */
export function parseCredentialsRequest(body: unknown): CredentialsRequest {
  return plainCredentialsRequest(body) ?? credentialsRequestSchema.parse(body);
}

/** The body as the schema would return it when it is a plain valid request, else undefined. */
export function plainCredentialsRequest(body: unknown): CredentialsRequest | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.getPrototypeOf(body) !== Object.prototype)
    return undefined;
  for (const key of Object.keys(body)) if (!PLAIN_KEYS.has(key)) return undefined;
  const { accountId, alias, role, durationSeconds } = body as Record<string, unknown>;
  if (typeof role !== 'string' || role.length < 1 || role.length > 64) return undefined;
  if (accountId !== undefined) {
    if (alias !== undefined || typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) return undefined;
  } else if (typeof alias !== 'string' || alias.length < 1 || alias.length > 64) return undefined;
  if (
    durationSeconds !== undefined &&
    (typeof durationSeconds !== 'number' || !Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200)
  ) {
    return undefined;
  }
  const request: CredentialsRequest = { role };
  if (accountId !== undefined) request.accountId = accountId;
  if (alias !== undefined) request.alias = alias;
  if (durationSeconds !== undefined) request.durationSeconds = durationSeconds;
  return request;
}

export interface CredentialsResponse {
  /** `region` is the account's home region (the CLI's `exec` sets AWS_REGION from it when unset). */
  account: { id: string; alias: string; partition: string; region: string };
  role: { name: string; arn: string };
  credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    /** ISO 8601 UTC. */
    expiration: string;
  };
  /** The effective session length in seconds, after clamping. */
  durationSeconds: number;
  /** Why the duration differs from the request, or why SessionDuration is ignored, when it does. */
  notes: string[];
  /** RoleSessionName as AWS (and CloudTrail) shows it. */
  sessionName: string;
  sourceIdentity?: string;
  /** True when served from rolegate's cache without calling STS. */
  cached: boolean;
}

import { z } from 'zod';

/**
 * Access reviews from real use (docs/admin.md#access-reviews): the usage
 * report (GET /api/v1/admin/usage) and review campaigns
 * (/api/v1/admin/reviews…), shared with the CLI (`rolegate usage`).
 */

export const SURFACES = ['api', 'cli', 'portal', 'console'] as const;
export type Surface = (typeof SURFACES)[number];
export type SurfaceCounts = Record<Surface, number>;

const positiveInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, { error: `expected a whole number from ${String(min)} to ${String(max)}` })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(fallback);

/** Query of GET /api/v1/admin/usage. */
export const usageQuerySchema = z.strictObject({
  /** The window: uses in the last `days` days (and sign-ins, for who holds a role). */
  days: positiveInt(1, 3650, 90),
  /** Only this account (12-digit id or alias). */
  account: z.string().min(1).max(64).optional(),
  /** Only this role (ARN, or name). */
  role: z.string().min(1).max(2048).optional(),
  /** Standing mappings used at most this many times in the window are just-in-time candidates. */
  fewUses: positiveInt(1, 1000, 3),
});
export type UsageQueryParams = z.output<typeof usageQuerySchema>;

/** How one mapping, or one user, used one role in the window. */
export interface RoleUse {
  accountId: string;
  roleArn: string;
  uses: number;
  lastUsedAt: string | null;
  surfaces: SurfaceCounts;
}

export interface MappingUsage extends RoleUse {
  /** The mapping's natural key (idp/match/group → role), as in access-file diffs. */
  key: string;
  group: string;
  match: 'exact' | 'glob';
  idp?: string;
  access: 'standing' | 'eligible';
  /** Users seen signing in during the window whose groups match this mapping. */
  holders: number;
  /** Of those, how many took the role. */
  usersWhoTookIt: number;
}

export interface UserUsage extends RoleUse {
  /** Principal id `<idp>:<subject>`. */
  user: string;
  /** Whether the user holds the role now (by their groups at their latest sign-in in the window). */
  holds: boolean;
}

/** Answer of GET /api/v1/admin/usage. */
export interface UsageReport {
  since: string;
  days: number;
  fewUses: number;
  mappings: MappingUsage[];
  users: UserUsage[];
  /** Keys of mappings nobody used in the window. */
  unusedMappings: string[];
  /** Users holding a role (standing mapping) they never took in the window. */
  neverTaken: { user: string; accountId: string; roleArn: string; via: string[] }[];
  /** Standing mappings used, but at most `fewUses` times: candidates to become eligible (just-in-time). */
  justInTimeCandidates: { key: string; roleArn: string; uses: number; lastUsedAt: string | null }[];
}

const SCOPE_KINDS = ['account', 'role', 'group'] as const;
export type ReviewScopeKind = (typeof SCOPE_KINDS)[number];

/** Body of POST /api/v1/admin/reviews. */
export const openReviewSchema = z.strictObject({
  scope: z.strictObject({
    kind: z.enum(SCOPE_KINDS),
    /** An account id or alias, a role ARN, or a group name (as in mappings). */
    value: z.string().min(1).max(2048),
  }),
  /** The usage window shown with each entry. */
  sinceDays: z.number().int().min(1).max(3650).default(90),
});
export type OpenReviewRequest = z.output<typeof openReviewSchema>;

/** Body of POST /api/v1/reviews/:id/entries/:position (and the admin page's form). */
export const reviewDecisionSchema = z.strictObject({
  decision: z.enum(['confirm', 'remove']),
  comment: z.string().max(1000).optional(),
});
export type ReviewDecisionRequest = z.output<typeof reviewDecisionSchema>;

/** Query of GET /api/v1/admin/reviews/:id (a page of entries, by position). */
export const reviewPageQuerySchema = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,9}$/, { error: 'expected the position of the last entry seen' })
    .transform(Number)
    .optional(),
  limit: positiveInt(1, 500, 100),
});

export interface ReviewView {
  id: string;
  scope: { kind: ReviewScopeKind; value: string };
  state: 'open' | 'closed';
  sinceDays: number;
  entryCount: number;
  decided: number;
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
}

export interface ReviewEntryView {
  position: number;
  kind: 'mapping' | 'user';
  /** For user entries: the principal id. */
  user: string | null;
  group: string;
  mappingKey: string;
  accountId: string;
  roleArn: string;
  owners: string[];
  uses: number;
  lastUsedAt: string | null;
  surfaces: SurfaceCounts;
  decision: 'confirm' | 'remove' | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}

/** Answer of GET /api/v1/admin/reviews/:id. */
export interface ReviewPageResponse {
  review: ReviewView;
  entries: ReviewEntryView[];
  /** The `after` of the next page, absent on the last. */
  nextAfter?: number;
}

/** Answer of GET /api/v1/admin/reviews/:id/proposal: the removals as an access-file change. */
export interface ReviewProposalResponse {
  /** diffAccess(current, proposed): the removed mappings. */
  changes: { kind: string; action: string; key: string; before?: Record<string, unknown> }[];
  /** The access file with the removed mappings left out, to commit and apply. */
  yaml: string;
  /** Users to remove from a group in the identity provider (the access file names groups, not users). */
  groupMemberships: { user: string; group: string; roleArn: string }[];
}

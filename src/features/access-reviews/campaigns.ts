import { randomUUID } from 'node:crypto';
import type { OpenReviewRequest, ReviewDecisionRequest, UsageReport } from '../../contracts/access-reviews.js';
import type { AccessDocument, MappingEntry } from '../../domain/access-document.js';
import { mappingKey } from '../../domain/access-document.js';
import { mappingCovers, noSurfaces, usageReport } from '../../domain/access-usage.js';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type {
  AccessReviewStore,
  NewReviewEntry,
  StoredReview,
  StoredReviewEntry,
  WaitingEntry,
  WaitingPosition,
} from '../../ports/access-review-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { actorFields, type Actor } from '../admin/admin-deps.js';
import { accessDocumentOf, mappingsIn, type UsageDeps } from './usage-report.js';

/** What review campaigns need (wired in src/composition/access-reviews.ts). */
export interface ReviewDeps extends UsageDeps {
  reviews: AccessReviewStore;
}

/** Who decides: the caller, and whether they are an administrator (who may decide where an account names no owners). */
export interface Reviewer extends Actor {
  principal: Pick<Principal, 'id' | 'idp' | 'groups'>;
  isAdmin: boolean;
}

/** The mappings a scope covers: an account's, a role's, or a group's (404 when there is no such account, role or group). */
export function mappingsOfScope(doc: AccessDocument, scope: OpenReviewRequest['scope']): MappingEntry[] {
  if (scope.kind === 'account') return mappingsIn(doc, { account: scope.value });
  if (scope.kind === 'role') return mappingsIn(doc, { role: scope.value });
  const mappings = doc.mappings.filter((m) => m.group === scope.value);
  if (mappings.length === 0) throw new RolegateError('not_found', { detail: `No mapping names the group ${scope.value}` });
  return mappings;
}

/**
 * The entries of a campaign: each mapping in scope, then each user holding its
 * role through it (seen signing in during the window), each with its use.
 */
export function entriesOf(
  doc: AccessDocument,
  mappings: readonly MappingEntry[],
  report: UsageReport,
  holders: readonly { subject: string; groups: string[] }[],
): NewReviewEntry[] {
  const owners = new Map(doc.accounts.map((a) => [a.id, a.owners ?? []]));
  const usage = new Map(report.mappings.map((m) => [m.key, m]));
  const userUse = new Map(report.users.map((u) => [`${u.user}\n${u.roleArn}`, u]));
  const entries: NewReviewEntry[] = [];
  for (const mapping of mappings) {
    const key = mappingKey(mapping);
    const used = usage.get(key);
    const accountId = mapping.role.split(':')[4] ?? '';
    const base = { group: mapping.group, mappingKey: key, mapping, accountId, roleArn: mapping.role, owners: owners.get(accountId) ?? [] };
    entries.push({
      ...base,
      kind: 'mapping',
      principalId: null,
      uses: used?.uses ?? 0,
      lastUsedAt: used?.lastUsedAt ? new Date(used.lastUsedAt) : null,
      surfaces: used?.surfaces ?? noSurfaces(),
    });
    for (const holder of holders) {
      if (!mappingCovers(mapping, holder.subject, holder.groups)) continue;
      const use = userUse.get(`${holder.subject}\n${mapping.role}`);
      entries.push({
        ...base,
        kind: 'user',
        principalId: holder.subject,
        uses: use?.uses ?? 0,
        lastUsedAt: use?.lastUsedAt ? new Date(use.lastUsedAt) : null,
        surfaces: use?.surfaces ?? noSurfaces(),
      });
    }
  }
  return entries;
}

const DAY_MS = 86_400_000;

/** POST /api/v1/admin/reviews: opens a campaign on a scope, its entries built from the access model and the audit trail. */
export async function openReview(deps: ReviewDeps, actor: Actor, ask: OpenReviewRequest): Promise<StoredReview> {
  const doc = await accessDocumentOf(deps.store);
  const mappings = mappingsOfScope(doc, ask.scope);
  const since = new Date(deps.clock.now() - ask.sinceDays * DAY_MS);
  const roleArns = [...new Set(mappings.map((m) => m.role))];
  const [uses, holders] = await Promise.all([deps.usage.uses(roleArns, since), deps.usage.holders(since)]);
  const report = usageReport({ mappings, uses, holders, since, days: ask.sinceDays, fewUses: 1 });
  const entries = entriesOf(doc, mappings, report, holders);
  const id = randomUUID();
  const audit: AuditEvent = {
    ...actorFields(actor),
    type: 'admin.review.open',
    outcome: 'success',
    details: { reviewId: id, scope: ask.scope, sinceDays: ask.sinceDays, entries: entries.length },
  };
  return deps.reviews.open(
    { id, scopeKind: ask.scope.kind, scopeValue: ask.scope.value, sinceDays: ask.sinceDays, openedBy: actor.principal.id },
    entries,
    audit,
  );
}

export async function getReview(deps: ReviewDeps, id: string): Promise<StoredReview> {
  const review = await deps.reviews.get(id);
  if (!review) throw new RolegateError('not_found', { detail: `No review ${id}` });
  return review;
}

/** Why a reviewer may not decide this entry, or undefined when they may. */
export function decisionRefusal(entry: StoredReviewEntry, reviewer: Reviewer): string | undefined {
  const { principal } = reviewer;
  if (entry.kind === 'user' && entry.principalId === principal.id) return 'This entry is about your own access: another owner decides it';
  if (entry.kind === 'mapping' && mappingCovers(entry.mapping, principal.id, principal.groups))
    return `You hold this role through the group ${entry.group}: another owner decides this entry`;
  const owner = entry.owners.some((g) => principal.groups.includes(g));
  if (owner) return undefined;
  if (entry.owners.length === 0 && reviewer.isAdmin) return undefined;
  return entry.owners.length === 0
    ? `Account ${entry.accountId} names no owners: an administrator decides its entries`
    : `Only members of the account's owner groups (${entry.owners.join(', ')}) decide its entries`;
}

/** Confirms or removes one entry: 404 unknown, 403 not an owner or about the reviewer's own access, 409 decided already or closed. */
export async function decideEntry(
  deps: ReviewDeps,
  reviewer: Reviewer,
  id: string,
  position: number,
  ask: ReviewDecisionRequest,
): Promise<StoredReviewEntry> {
  const review = await getReview(deps, id);
  const entry = await deps.reviews.entry(id, position);
  if (!entry) throw new RolegateError('not_found', { detail: `Review ${id} has no entry ${String(position)}` });
  if (review.state !== 'open') throw new RolegateError('conflict', { detail: `Review ${id} is closed` });
  const refusal = decisionRefusal(entry, reviewer);
  if (refusal) throw new RolegateError('forbidden', { detail: refusal });
  const audit: AuditEvent = {
    ...actorFields(reviewer),
    type: 'review.decide',
    outcome: 'success',
    accountId: entry.accountId,
    roleArn: entry.roleArn,
    details: {
      reviewId: id,
      position,
      decision: ask.decision,
      entry: entry.kind === 'user' ? { user: entry.principalId, mapping: entry.mappingKey } : { mapping: entry.mappingKey },
      ...(ask.comment === undefined ? {} : { comment: ask.comment }),
    },
  };
  const { decided } = await deps.reviews.decide(
    id,
    position,
    { decision: ask.decision, decidedBy: reviewer.principal.id, ...(ask.comment === undefined ? {} : { comment: ask.comment }) },
    audit,
  );
  if (!decided)
    throw new RolegateError('conflict', { detail: `Entry ${String(position)} of review ${id} was decided already (or the review closed)` });
  const after = await deps.reviews.entry(id, position);
  if (!after) throw new RolegateError('not_found', { detail: `Review ${id} has no entry ${String(position)}` });
  return after;
}

/** An entry waiting for a reviewer, and why they may not decide it themselves (their own access), if so. */
export interface WaitingItem {
  entry: WaitingEntry;
  refusal?: string;
}

/**
 * The portal's "reviews waiting for you": the undecided entries of open campaigns whose account
 * names one of the reviewer's groups among its owners, a page at a time. Entries about the
 * reviewer's own access are listed with the reason another owner decides them.
 */
export async function reviewsWaitingFor(
  deps: ReviewDeps,
  reviewer: Reviewer,
  after: WaitingPosition | undefined,
  limit: number,
): Promise<{ items: WaitingItem[]; next?: WaitingPosition }> {
  const entries = await deps.reviews.waitingFor(reviewer.principal.groups, after, limit + 1);
  const page = entries.slice(0, limit);
  const items = page.map((entry) => {
    const refusal = decisionRefusal(entry, reviewer);
    return refusal === undefined ? { entry } : { entry, refusal };
  });
  const last = page.at(-1);
  return { items, ...(entries.length > limit && last ? { next: { reviewId: last.review.id, position: last.position } } : {}) };
}

/** Closes a campaign (409 when closed already): undecided entries stay undecided in the evidence. */
export async function closeReview(deps: ReviewDeps, actor: Actor, id: string): Promise<StoredReview> {
  const review = await getReview(deps, id);
  const audit: AuditEvent = {
    ...actorFields(actor),
    type: 'admin.review.close',
    outcome: 'success',
    details: { reviewId: id, entries: review.entryCount, decided: review.decided },
  };
  if (!(await deps.reviews.close(id, actor.principal.id, audit)))
    throw new RolegateError('conflict', { detail: `Review ${id} is closed already` });
  return getReview(deps, id);
}

const EXPORT_PAGE = 1000;

/** Every entry of a campaign, page by page (for exports and the proposal). */
export async function* allEntries(deps: ReviewDeps, id: string): AsyncGenerator<StoredReviewEntry> {
  let after = 0;
  for (;;) {
    const page = await deps.reviews.entries(id, after, EXPORT_PAGE);
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < EXPORT_PAGE) return;
    after = last.position;
  }
}

import type { ReviewEntryView, ReviewView } from '../../contracts/access-reviews.js';
import { csvLine } from '../../domain/csv.js';
import type { StoredReview, StoredReviewEntry } from '../../ports/access-review-store.js';
import { allEntries, getReview, type ReviewDeps } from './campaigns.js';

export function reviewView(r: StoredReview): ReviewView {
  return {
    id: r.id,
    scope: { kind: r.scopeKind, value: r.scopeValue },
    state: r.state,
    sinceDays: r.sinceDays,
    entryCount: r.entryCount,
    decided: r.decided,
    openedBy: r.openedBy,
    openedAt: r.openedAt.toISOString(),
    closedBy: r.closedBy,
    closedAt: r.closedAt?.toISOString() ?? null,
  };
}

export function entryView(e: StoredReviewEntry): ReviewEntryView {
  return {
    position: e.position,
    kind: e.kind,
    user: e.principalId,
    group: e.group,
    mappingKey: e.mappingKey,
    accountId: e.accountId,
    roleArn: e.roleArn,
    owners: e.owners,
    uses: e.uses,
    lastUsedAt: e.lastUsedAt?.toISOString() ?? null,
    surfaces: e.surfaces,
    decision: e.decision,
    decidedBy: e.decidedBy,
    decidedAt: e.decidedAt?.toISOString() ?? null,
    comment: e.comment,
  };
}

const CSV_HEADER = [
  'review',
  'scope',
  'position',
  'kind',
  'user',
  'group',
  'mapping',
  'account',
  'role',
  'owners',
  'uses',
  'last_used_at',
  'uses_cli',
  'uses_portal',
  'uses_api',
  'uses_console',
  'decision',
  'decided_by',
  'decided_at',
  'comment',
];

/** The campaign as CSV evidence: one header line, then one line per entry (who decided what, and when). */
export async function* reviewCsv(deps: ReviewDeps, id: string): AsyncGenerator<string> {
  const review = await getReview(deps, id);
  yield csvLine(CSV_HEADER);
  const scope = `${review.scopeKind}:${review.scopeValue}`;
  for await (const e of allEntries(deps, id)) {
    yield csvLine([
      review.id,
      scope,
      e.position,
      e.kind,
      e.principalId,
      e.group,
      e.mappingKey,
      e.accountId,
      e.roleArn,
      e.owners.join(' '),
      e.uses,
      e.lastUsedAt?.toISOString(),
      e.surfaces.cli,
      e.surfaces.portal,
      e.surfaces.api,
      e.surfaces.console,
      e.decision,
      e.decidedBy,
      e.decidedAt?.toISOString(),
      e.comment,
    ]);
  }
}

/** The campaign as JSON evidence: the review and every entry. */
export async function reviewJson(deps: ReviewDeps, id: string): Promise<{ review: ReviewView; entries: ReviewEntryView[] }> {
  const review = await getReview(deps, id);
  const entries: ReviewEntryView[] = [];
  for await (const e of allEntries(deps, id)) entries.push(entryView(e));
  return { review: reviewView(review), entries };
}

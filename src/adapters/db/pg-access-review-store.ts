import type { ReviewScopeKind, SurfaceCounts } from '../../contracts/access-reviews.js';
import type { MappingEntry } from '../../domain/access-document.js';
import type {
  AccessReviewStore,
  Decision,
  NewReviewEntry,
  StoredReview,
  StoredReviewEntry,
  WaitingEntry,
  WaitingPosition,
} from '../../ports/access-review-store.js';
import type { AuditEvent } from '../../ports/audit-log.js';
import { insertAuditEvents } from './access-bulk-writes.js';
import type { Database, Sql } from './database.js';
import { reportingFailuresAs } from '../dependency-failures.js';

/** Opening a campaign of thousands of entries is a few statements; each may take a while. */
const WRITE_TIMEOUT_MS = 30_000;
const ROWS_PER_STATEMENT = 2000;

const REVIEW_COLUMNS = `r.id::text AS id, r.scope_kind, r.scope_value, r.state, r.since_days, r.entry_count, r.opened_by, r.opened_at,
  r.closed_by, r.closed_at, (SELECT count(*)::int FROM access_review_entries e WHERE e.review_id = r.id AND e.decision IS NOT NULL) AS decided`;
const ENTRY_COLUMNS = `position, kind, principal_id, "group", mapping_key, mapping, account_id, role_arn, owners, uses, last_used_at, surfaces,
  decision, decided_by, decided_at, comment`;

const ENTRY_COLUMNS_OF_E = ENTRY_COLUMNS.split(',')
  .map((c) => `e.${c.trim()}`)
  .join(', ');

interface ReviewRow extends Record<string, unknown> {
  id: string;
  scope_kind: ReviewScopeKind;
  scope_value: string;
  state: 'open' | 'closed';
  since_days: number;
  entry_count: number;
  decided: number;
  opened_by: string;
  opened_at: Date;
  closed_by: string | null;
  closed_at: Date | null;
}

interface EntryRow extends Record<string, unknown> {
  position: number;
  kind: 'mapping' | 'user';
  principal_id: string | null;
  group: string;
  mapping_key: string;
  mapping: MappingEntry;
  account_id: string;
  role_arn: string;
  owners: string[];
  uses: number;
  last_used_at: Date | null;
  surfaces: SurfaceCounts;
  decision: 'confirm' | 'remove' | null;
  decided_by: string | null;
  decided_at: Date | null;
  comment: string | null;
}

/**
 * AccessReviewStore in plain SQL on access_reviews and access_review_entries.
 * A decision is one conditional UPDATE (decision IS NULL, review open), so of
 * two reviewers deciding at once, on one instance or two, exactly one wins.
 */
export class PgAccessReviewStore implements AccessReviewStore {
  constructor(private readonly database: Pick<Database, 'query' | 'withConnection'>) {
    return reportingFailuresAs(this, 'The database');
  }

  async open(
    review: { id: string; scopeKind: ReviewScopeKind; scopeValue: string; sinceDays: number; openedBy: string },
    entries: readonly NewReviewEntry[],
    audit: AuditEvent,
  ): Promise<StoredReview> {
    await this.#transaction(async (sql) => {
      await sql(
        `INSERT INTO access_reviews (id, scope_kind, scope_value, since_days, entry_count, opened_by) VALUES ($1::uuid, $2, $3, $4, $5, $6)`,
        [review.id, review.scopeKind, review.scopeValue, review.sinceDays, entries.length, review.openedBy],
      );
      for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
        const rows = entries.slice(start, start + ROWS_PER_STATEMENT).map((e, i) => ({
          position: start + i + 1,
          kind: e.kind,
          principal_id: e.principalId,
          group: e.group,
          mapping_key: e.mappingKey,
          mapping: e.mapping,
          account_id: e.accountId,
          role_arn: e.roleArn,
          owners: e.owners,
          uses: e.uses,
          last_used_at: e.lastUsedAt?.toISOString() ?? null,
          surfaces: e.surfaces,
        }));
        await sql(
          `INSERT INTO access_review_entries (review_id, position, kind, principal_id, "group", mapping_key, mapping, account_id, role_arn, owners, uses, last_used_at, surfaces)
           SELECT $1::uuid, x.position, x.kind, x.principal_id, x."group", x.mapping_key, x.mapping, x.account_id, x.role_arn, x.owners, x.uses, x.last_used_at, x.surfaces
             FROM json_to_recordset($2::json) AS x(position int, kind text, principal_id text, "group" text, mapping_key text, mapping jsonb,
                  account_id text, role_arn text, owners text[], uses int, last_used_at timestamptz, surfaces jsonb)`,
          [review.id, JSON.stringify(rows)],
        );
      }
      await insertAuditEvents((text, ...params) => sql(text, params), [audit]);
    });
    const stored = await this.get(review.id);
    if (!stored) throw new Error('the review just opened was not found');
    return stored;
  }

  async list(limit: number): Promise<StoredReview[]> {
    const rows = await this.database.query<ReviewRow>(
      `SELECT ${REVIEW_COLUMNS} FROM access_reviews r ORDER BY r.opened_at DESC, r.id LIMIT $1`,
      [limit],
    );
    return rows.map(reviewOf);
  }

  async get(id: string): Promise<StoredReview | undefined> {
    const rows = await this.database.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM access_reviews r WHERE r.id = $1::uuid`, [id]);
    return rows[0] ? reviewOf(rows[0]) : undefined;
  }

  async entries(id: string, after: number, limit: number): Promise<StoredReviewEntry[]> {
    const rows = await this.database.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM access_review_entries WHERE review_id = $1::uuid AND position > $2 ORDER BY position LIMIT $3`,
      [id, after, limit],
    );
    return rows.map(entryOf);
  }

  async entry(id: string, position: number): Promise<StoredReviewEntry | undefined> {
    const rows = await this.database.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM access_review_entries WHERE review_id = $1::uuid AND position = $2`,
      [id, position],
    );
    return rows[0] ? entryOf(rows[0]) : undefined;
  }

  /**
   * The partial GIN index access_review_entries_waiting_idx (owners, undecided entries only)
   * finds them; the open reviews are few.
   */
  async waitingFor(ownerGroups: readonly string[], after: WaitingPosition | undefined, limit: number): Promise<WaitingEntry[]> {
    if (ownerGroups.length === 0) return [];
    const rows = await this.database.query<
      EntryRow & { review_id: string; scope_kind: ReviewScopeKind; scope_value: string; opened_by: string; opened_at: Date }
    >(
      `SELECT e.review_id::text AS review_id, r.scope_kind, r.scope_value, r.opened_by, r.opened_at, ${ENTRY_COLUMNS_OF_E}
         FROM access_review_entries e JOIN access_reviews r ON r.id = e.review_id
        WHERE e.decision IS NULL AND e.owners && $1::text[] AND r.state = 'open'
          AND (e.review_id, e.position) > ($2::uuid, $3::int)
        ORDER BY e.review_id, e.position LIMIT $4`,
      [[...ownerGroups], after?.reviewId ?? '00000000-0000-0000-0000-000000000000', after?.position ?? 0, limit],
    );
    return rows.map((r) => ({
      ...entryOf(r),
      review: { id: r.review_id, scopeKind: r.scope_kind, scopeValue: r.scope_value, openedBy: r.opened_by, openedAt: r.opened_at },
    }));
  }

  async decide(id: string, position: number, decision: Decision, audit: AuditEvent): Promise<{ decided: boolean }> {
    return this.#transaction(async (sql) => {
      const rows = await sql(
        `UPDATE access_review_entries e SET decision = $3, decided_by = $4, decided_at = now(), comment = $5
          WHERE e.review_id = $1::uuid AND e.position = $2 AND e.decision IS NULL
            AND EXISTS (SELECT 1 FROM access_reviews r WHERE r.id = e.review_id AND r.state = 'open')
          RETURNING e.position`,
        [id, position, decision.decision, decision.decidedBy, decision.comment ?? null],
      );
      if (rows.length === 0) return { decided: false };
      await insertAuditEvents((text, ...params) => sql(text, params), [audit]);
      return { decided: true };
    });
  }

  async close(id: string, closedBy: string, audit: AuditEvent): Promise<boolean> {
    return this.#transaction(async (sql) => {
      const rows = await sql(
        `UPDATE access_reviews SET state = 'closed', closed_by = $2, closed_at = now() WHERE id = $1::uuid AND state = 'open' RETURNING id`,
        [id, closedBy],
      );
      if (rows.length === 0) return false;
      await insertAuditEvents((text, ...params) => sql(text, params), [audit]);
      return true;
    });
  }

  async #transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.database.withConnection(WRITE_TIMEOUT_MS, async (sql) => {
      await sql('BEGIN');
      try {
        await sql(`SET LOCAL statement_timeout = ${String(WRITE_TIMEOUT_MS)}`);
        const result = await work(sql);
        await sql('COMMIT');
        return result;
      } catch (error) {
        await sql('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}

function reviewOf(r: ReviewRow): StoredReview {
  return {
    id: r.id,
    scopeKind: r.scope_kind,
    scopeValue: r.scope_value,
    state: r.state,
    sinceDays: r.since_days,
    entryCount: r.entry_count,
    decided: r.decided,
    openedBy: r.opened_by,
    openedAt: r.opened_at,
    closedBy: r.closed_by,
    closedAt: r.closed_at,
  };
}

function entryOf(r: EntryRow): StoredReviewEntry {
  return {
    position: r.position,
    kind: r.kind,
    principalId: r.principal_id,
    group: r.group,
    mappingKey: r.mapping_key,
    mapping: r.mapping,
    accountId: r.account_id,
    roleArn: r.role_arn,
    owners: r.owners,
    uses: r.uses,
    lastUsedAt: r.last_used_at,
    surfaces: r.surfaces,
    decision: r.decision,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    comment: r.comment,
  };
}

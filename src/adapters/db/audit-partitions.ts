import type { Sql } from './database.js';

/**
 * The upkeep of audit_events' partitions (migration 20261202000000_audit_partitions made them
 * monthly, 20261204140000_audit_weekly_partitions weekly from then on): partitions created ahead
 * of time, and retention as dropping whole partitions.
 * https://www.postgresql.org/docs/current/ddl-partitioning.html
 *
 * A partition holds one week (UTC, Monday to Monday), so that the one every insert goes to stays
 * small: the heap pages a VACUUM of it left with free space, which inserts fill first (read back
 * in, dirtied, written out again), and its indexes then fit in PostgreSQL's buffers. A month's
 * partition of 2 million rows did not (128 MB of shared buffers: 0.70-0.76 of the empty table's
 * insert throughput; a week's, 0.9 and more: docs/operations.md#audit-trail-at-scale). Partitions
 * made before keep their bounds (whole months), and retention drops them as whole months.
 *
 * Both take one PostgreSQL advisory lock (beside migrate.ts's 72707369), so that
 * instances starting or sweeping together never run them at once: the one that
 * does not get the lock skips, the work being the same.
 *
 * What each step locks, and so what it can block:
 * - a new partition is built as a plain table and then ATTACHed, which takes
 *   SHARE UPDATE EXCLUSIVE on audit_events (inserts and reads go on) and ACCESS
 *   EXCLUSIVE on the default partition only (normally empty; its scan is instant);
 * - a partition is DETACHed, which takes ACCESS EXCLUSIVE on audit_events for a
 *   moment: `DETACH ... CONCURRENTLY` would not, but PostgreSQL refuses it while
 *   a default partition exists, and the default partition is what lets an
 *   insert never fail. So the detach waits for the lock at most
 *   DETACH_LOCK_TIMEOUT_MS (an insert queued behind it waits no longer), and is
 *   retried; the detached table is then counted and dropped, blocking nobody.
 */
const UPKEEP_LOCK_KEY = 72707370;

/** Partitions exist for this week and this many after it. */
export const WEEKS_AHEAD = 4;

const DEFAULT_PARTITION = 'audit_events_default';
/** Partitions of the monthly layout (before migration 20261204140000): a month each. */
const MONTHLY_NAME = /^audit_events_y(\d{4})m(\d{2})$/;
/** Weekly partitions, named after their first day: to the Monday after it (the first one after the monthly layout may start mid-week). */
const WEEKLY_NAME = /^audit_events_w(\d{4})(\d{2})(\d{2})$/;
const WEEK_MS = 7 * 86_400_000;

/** How long a DETACH may wait for its lock, and so hold up the inserts queued behind it. */
const DETACH_LOCK_TIMEOUT_MS = 100;
const DETACH_ATTEMPTS = 10;
/** Creating partitions waits for audit searches reading the default partition; never longer than this. */
const ATTACH_LOCK_TIMEOUT_MS = 2000;
/** One retention statement (a count, a drop, the default partition's expired rows). */
const STATEMENT_TIMEOUT_MS = 600_000;
/** One statement creating a partition (moving rows out of the default partition included). */
const CREATE_STATEMENT_TIMEOUT_MS = 30_000;

export interface PartitionsCreated {
  /** Partitions created (names), oldest first. */
  created: string[];
  /** Rows moved out of the default partition into the new partitions. */
  moved: number;
  /** Another instance held the upkeep lock: nothing was done. */
  skipped: boolean;
}

export interface PartitionsDropped {
  /** Partitions dropped (names), oldest first. */
  dropped: string[];
  /** Rows removed: those of the dropped partitions (from PostgreSQL's statistics once it has counted them), and expired rows of the default partition. */
  rows: number;
  /** A partition could not be detached in time (a long query held the table): left for the next sweep. */
  deferred: string[];
  skipped: boolean;
}

interface Partition {
  name: string;
  isDefault: boolean;
  from: Date | null;
  to: Date | null;
}

/** The first instant (UTC) of the month `offset` months after the one of `at`. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/** The first instant (UTC) of the week (Monday 00:00) `offset` weeks after the one of `at`. */
export function weekStart(at: Date, offset = 0): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - sinceMonday * 86_400_000 + offset * WEEK_MS);
}

/** `audit_events_w20261207` for the partition from 2026-12-07 (UTC) on. */
export function partitionName(from: Date): string {
  return `audit_events_w${from.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** `audit_events_y2026m12` for December 2026 (UTC): the names of the monthly layout. */
export function monthlyPartitionName(month: Date): string {
  return `audit_events_y${String(month.getUTCFullYear()).padStart(4, '0')}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * The partitions that cover [from, to) in the weekly layout: from `from` to the next Monday, then
 * a week each (what the migration to weekly partitions makes of this month, and the bench loads).
 */
export function weeklyPartitionsBetween(from: Date, to: Date): { name: string; from: Date; to: Date }[] {
  const partitions: { name: string; from: Date; to: Date }[] = [];
  for (let start = from; start < to;) {
    const end = weekStart(start, 1);
    partitions.push({ name: partitionName(start), from: start, to: end });
    start = end;
  }
  return partitions;
}

/**
 * Makes sure this week's partition and the next WEEKS_AHEAD weeks' exist
 * (start-up, `npm run db:migrate`, and hourly from the audit writer); of a week
 * that an existing partition covers in part (a month of the monthly layout),
 * the rest. Rows that landed in the default partition for a week created now
 * are moved into it. Idempotent; on a table that is not partitioned, does nothing.
 */
export async function ensureAuditPartitions(sql: Sql, now: Date, weeksAhead = WEEKS_AHEAD): Promise<PartitionsCreated> {
  return withUpkeepLock(sql, { created: [], moved: 0, skipped: true }, async () => {
    const result: PartitionsCreated = { created: [], moved: 0, skipped: false };
    if (!(await isPartitioned(sql))) return result;
    const existing = await partitionsOf(sql);
    for (let offset = 0; offset <= weeksAhead; offset++) {
      const gap = uncovered(existing, weekStart(now, offset), weekStart(now, offset + 1));
      if (!gap) continue;
      const { from, to } = gap;
      existing.push({ name: partitionName(from), isDefault: false, from, to });
      const name = partitionName(from);
      const bounds = { from: literal(from), to: literal(to) };
      await inTransaction(sql, { lock_timeout: ATTACH_LOCK_TIMEOUT_MS, statement_timeout: CREATE_STATEMENT_TIMEOUT_MS }, async () => {
        await sql(`CREATE TABLE "${name}" (LIKE audit_events INCLUDING DEFAULTS)`);
        // Lets ATTACH skip scanning the new table for rows outside its bounds.
        await sql(`ALTER TABLE "${name}" ADD CONSTRAINT "${name}_bounds" CHECK (at >= ${bounds.from} AND at < ${bounds.to})`);
        const [moved] = await sql<{ rows: number }>(
          `WITH moved AS (DELETE FROM "${DEFAULT_PARTITION}" WHERE at >= ${bounds.from} AND at < ${bounds.to} RETURNING *),
                copied AS (INSERT INTO "${name}" SELECT * FROM moved RETURNING 1)
           SELECT count(*)::int AS rows FROM copied`,
        );
        await sql(`ALTER TABLE audit_events ATTACH PARTITION "${name}" FOR VALUES FROM (${bounds.from}) TO (${bounds.to})`);
        await sql(`ALTER TABLE "${name}" DROP CONSTRAINT "${name}_bounds"`);
        result.moved += moved?.rows ?? 0;
      });
      result.created.push(name);
    }
    return result;
  });
}

/**
 * Retention: drops every partition that ends at or before `cutoff`
 * (all of its events are older), finishes drops an interrupted sweep left
 * detached, and deletes the default partition's rows older than `cutoff`.
 * On a table that is not partitioned, deletes the rows older than `cutoff`.
 */
export async function dropAuditPartitionsBefore(sql: Sql, cutoff: Date): Promise<PartitionsDropped> {
  return withUpkeepLock(sql, { dropped: [], rows: 0, deferred: [], skipped: true }, async () => {
    const result: PartitionsDropped = { dropped: [], rows: 0, deferred: [], skipped: false };
    if (!(await isPartitioned(sql))) {
      result.rows = await countOf(
        sql,
        `WITH gone AS (DELETE FROM audit_events WHERE at < $1 RETURNING 1) SELECT count(*)::int AS rows FROM gone`,
        [cutoff],
      );
      return result;
    }
    const expired = (await partitionsOf(sql))
      .filter((p) => !p.isDefault && p.to !== null && p.to <= cutoff)
      .sort((a, b) => (a.to?.getTime() ?? 0) - (b.to?.getTime() ?? 0));
    for (const partition of expired) {
      if (!(await detach(sql, partition.name))) {
        result.deferred.push(partition.name);
        continue;
      }
      result.rows += await dropDetached(sql, partition.name);
      result.dropped.push(partition.name);
    }
    // A sweep stopped between its DETACH and its DROP leaves a plain table behind.
    for (const name of await detachedLeftovers(sql)) {
      const end = endOfName(name);
      if (end && end <= cutoff) {
        result.rows += await dropDetached(sql, name);
        result.dropped.push(name);
      }
    }
    if ((await partitionsOf(sql)).some((p) => p.isDefault)) {
      result.rows += await countOf(
        sql,
        `WITH gone AS (DELETE FROM "${DEFAULT_PARTITION}" WHERE at < $1 RETURNING 1) SELECT count(*)::int AS rows FROM gone`,
        [cutoff],
      );
    }
    result.dropped.sort();
    return result;
  });
}

/** The partitions of audit_events with their bounds (null for MINVALUE/MAXVALUE and the default). */
export async function partitionsOf(sql: Sql): Promise<Partition[]> {
  const rows = await sql<{ name: string; bound: string; from: Date | null; to: Date | null }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \\('([^']+)'\\)$$))[1]::timestamptz AS "from",
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$TO \\('([^']+)'\\)$$))[1]::timestamptz AS "to"
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_events'::regclass
      ORDER BY c.relname`,
  );
  return rows.map((row) => ({ name: row.name, isDefault: row.bound === 'DEFAULT', from: row.from, to: row.to }));
}

async function isPartitioned(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ kind: string | null }>(
    `SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('audit_events')) AS kind`,
  );
  return row?.kind === 'p';
}

/** The first stretch of [from, to) that no partition covers (null when it is covered whole). */
function uncovered(partitions: readonly Partition[], from: Date, to: Date): { from: Date; to: Date } | null {
  let start = from.getTime();
  const end = to.getTime();
  const ranges = partitions
    .filter((p) => !p.isDefault)
    .map((p) => ({ start: p.from?.getTime() ?? Number.NEGATIVE_INFINITY, end: p.to?.getTime() ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.start - b.start);
  for (const range of ranges) {
    if (range.end <= start || range.start >= end) continue;
    if (range.start <= start) start = range.end;
    else return { from: new Date(start), to: new Date(range.start) };
    if (start >= end) return null;
  }
  return start < end ? { from: new Date(start), to: new Date(end) } : null;
}

/** A timestamptz literal of a date this module computed (DDL takes no parameters). */
function literal(at: Date): string {
  return `'${at.toISOString()}'::timestamptz`;
}

/** The end of the partition a name stands for: the month's (monthly layout), or the Monday after its first day. */
function endOfName(name: string): Date | undefined {
  const month = MONTHLY_NAME.exec(name);
  if (month) return monthStart(new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1)), 1);
  const week = WEEKLY_NAME.exec(name);
  return week ? weekStart(new Date(Date.UTC(Number(week[1]), Number(week[2]) - 1, Number(week[3]))), 1) : undefined;
}

/** Plain tables named like a partition that are no partition: detached by a sweep that stopped before dropping them. */
async function detachedLeftovers(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
        AND c.relname ~ '^audit_events_(y[0-9]{4}m[0-9]{2}|w[0-9]{8})$'`,
  );
  return rows.map((row) => row.name);
}

/** DETACH with a short lock wait, retried; false when the lock could not be had. */
async function detach(sql: Sql, name: string): Promise<boolean> {
  for (let attempt = 1; attempt <= DETACH_ATTEMPTS; attempt++) {
    try {
      await inTransaction(sql, { lock_timeout: DETACH_LOCK_TIMEOUT_MS }, () => sql(`ALTER TABLE audit_events DETACH PARTITION "${name}"`));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== '55P03') throw error; // lock_not_available
      // Back off with jitter, so the inserts the wait held up drain before the next try.
      await new Promise((resolve) => setTimeout(resolve, attempt * DETACH_LOCK_TIMEOUT_MS * (1 + Math.random())));
    }
  }
  return false;
}

/**
 * Drops a detached partition; returns its rows: PostgreSQL's own count from the last VACUUM or ANALYZE
 * (autovacuum keeps it for a partition that took writes), or, for a table never counted, a count(*)
 * (scanning a partition's rows would cost seconds of CPU beside the inserts for a number in a log line).
 */
async function dropDetached(sql: Sql, name: string): Promise<number> {
  const [known] = await sql<{ rows: number }>(`SELECT reltuples::bigint::int AS rows FROM pg_class WHERE oid = $1::regclass`, [
    `"${name}"`,
  ]);
  const rows = known && known.rows >= 0 ? known.rows : await countOf(sql, `SELECT count(*)::int AS rows FROM "${name}"`);
  await inTransaction(sql, {}, () => sql(`DROP TABLE "${name}"`));
  return rows;
}

async function countOf(sql: Sql, text: string, params: readonly unknown[] = []): Promise<number> {
  return inTransaction(sql, {}, async () => (await sql<{ rows: number }>(text, params))[0]?.rows ?? 0);
}

/** One transaction with its own time limits (SET LOCAL: the connection's own settings come back after it). */
async function inTransaction<T>(
  sql: Sql,
  limits: { lock_timeout?: number; statement_timeout?: number },
  work: () => Promise<T>,
): Promise<T> {
  await sql('BEGIN');
  try {
    await sql(`SET LOCAL statement_timeout = ${String(limits.statement_timeout ?? STATEMENT_TIMEOUT_MS)}`);
    if (limits.lock_timeout !== undefined) await sql(`SET LOCAL lock_timeout = ${String(limits.lock_timeout)}`);
    const result = await work();
    await sql('COMMIT');
    return result;
  } catch (error) {
    await sql('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Runs `work` holding the upkeep advisory lock (session level), or returns `busy` when another session holds it. */
async function withUpkeepLock<T>(sql: Sql, busy: T, work: () => Promise<T>): Promise<T> {
  const [lock] = await sql<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [UPKEEP_LOCK_KEY]);
  if (!lock?.got) return busy;
  try {
    return await work();
  } finally {
    await sql('SELECT pg_advisory_unlock($1)', [UPKEEP_LOCK_KEY]).catch(() => undefined);
  }
}

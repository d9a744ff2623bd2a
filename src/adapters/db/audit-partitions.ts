import type { Sql } from './database.js';

/**
 * The upkeep of audit_events' monthly partitions (migration 20261202000000_audit_partitions):
 * partitions created ahead of time, and retention as dropping whole months.
 * https://www.postgresql.org/docs/current/ddl-partitioning.html
 *
 * Both take one PostgreSQL advisory lock (beside migrate.ts's 72707369), so that
 * instances starting or sweeping together never run them at once: the one that
 * does not get the lock skips, the work being the same.
 *
 * What each step locks, and so what it can block:
 * - a new partition is built as a plain table and then ATTACHed, which takes
 *   SHARE UPDATE EXCLUSIVE on audit_events (inserts and reads go on) and ACCESS
 *   EXCLUSIVE on the default partition only (normally empty; its scan is instant);
 * - a month is DETACHed, which takes ACCESS EXCLUSIVE on audit_events for a
 *   moment: `DETACH ... CONCURRENTLY` would not, but PostgreSQL refuses it while
 *   a default partition exists, and the default partition is what lets an
 *   insert never fail. So the detach waits for the lock at most
 *   DETACH_LOCK_TIMEOUT_MS (an insert queued behind it waits no longer), and is
 *   retried; the detached table is then counted and dropped, blocking nobody.
 */
const UPKEEP_LOCK_KEY = 72707370;

/** Partitions exist for this month and this many after it. */
export const MONTHS_AHEAD = 3;

const DEFAULT_PARTITION = 'audit_events_default';
const MONTHLY_NAME = /^audit_events_y(\d{4})m(\d{2})$/;

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
  /** Monthly partitions dropped (names), oldest first. */
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

/** `audit_events_y2026m12` for December 2026 (UTC). */
export function partitionName(month: Date): string {
  return `audit_events_y${String(month.getUTCFullYear()).padStart(4, '0')}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Makes sure this month's partition and the next MONTHS_AHEAD months' exist
 * (start-up, `npm run db:migrate`, and hourly from the audit writer). Rows that
 * landed in the default partition for a month created now are moved into it.
 * Idempotent; on a table that is not partitioned, does nothing.
 */
export async function ensureAuditPartitions(sql: Sql, now: Date, monthsAhead = MONTHS_AHEAD): Promise<PartitionsCreated> {
  return withUpkeepLock(sql, { created: [], moved: 0, skipped: true }, async () => {
    const result: PartitionsCreated = { created: [], moved: 0, skipped: false };
    if (!(await isPartitioned(sql))) return result;
    const existing = await partitionsOf(sql);
    for (let offset = 0; offset <= monthsAhead; offset++) {
      const from = monthStart(now, offset);
      const to = monthStart(now, offset + 1);
      if (existing.some((p) => overlaps(p, from, to))) continue;
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
 * Retention: drops every monthly partition that ends at or before `cutoff`
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
      const month = monthOfName(name);
      if (month && monthStart(month, 1) <= cutoff) {
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

function overlaps(partition: Partition, from: Date, to: Date): boolean {
  if (partition.isDefault) return false;
  const start = partition.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const end = partition.to?.getTime() ?? Number.POSITIVE_INFINITY;
  return start < to.getTime() && from.getTime() < end;
}

/** A timestamptz literal of a date this module computed (DDL takes no parameters). */
function literal(at: Date): string {
  return `'${at.toISOString()}'::timestamptz`;
}

function monthOfName(name: string): Date | undefined {
  const match = MONTHLY_NAME.exec(name);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : undefined;
}

/** Plain tables named like a monthly partition that are no partition: detached by a sweep that stopped before dropping them. */
async function detachedLeftovers(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
        AND c.relname ~ '^audit_events_y[0-9]{4}m[0-9]{2}$'`,
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
 * Drops a detached month; returns its rows: PostgreSQL's own count from the last VACUUM or ANALYZE
 * (autovacuum keeps it for a month that took writes), or, for a table never counted, a count(*)
 * (scanning a month of rows would cost seconds of CPU beside the inserts for a number in a log line).
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

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dropAuditPartitionsBefore,
  ensureAuditPartitions,
  monthlyPartitionName,
  monthStart,
  partitionName,
  partitionsOf,
  weekStart,
} from '../../../src/adapters/db/audit-partitions.js';
import { connectDatabase, type Database, type Sql } from '../../../src/adapters/db/database.js';
import { startEmbeddedPostgres } from '../../../src/adapters/db/embedded-postgres.js';
import { defaultMigrationsDir, migrate } from '../../../src/adapters/db/migrate.js';
import { PgAuditLog } from '../../../src/adapters/db/pg-audit-log.js';
import { PgAuditQuery } from '../../../src/adapters/db/pg-audit-query.js';
import { databaseImplementations } from '../../support/database-implementations.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

const PARTITIONING = '20261202000000_audit_partitions';
const WEEKLY = '20261204140000_audit_weekly_partitions';
const DAY_MS = 86_400_000;
const now = new Date();

function sqlOf(client: pg.ClientBase): Sql {
  return async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
}

/** prisma/migrations without some of them (as it was before they were written). */
function migrationsWithout(...names: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-migrations-'));
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  for (const name of names) rmSync(path.join(dir, name), { recursive: true });
  return dir;
}

/** The name of the weekly partition that holds `at`, when the weekly layout starts at `first` (the first one may be shorter). */
function weeklyHomeOf(at: Date, first: Date): string {
  const week = weekStart(at);
  return partitionName(week < first ? first : week);
}

/** Where each row of audit_events is stored, by request id. */
async function homeOf(sql: Sql): Promise<Map<string, string>> {
  const rows = await sql<{ request_id: string; home: string }>('SELECT request_id, tableoid::regclass::text AS home FROM audit_events');
  return new Map(rows.map((row) => [row.request_id, row.home]));
}

interface RawDatabase {
  client: pg.Client;
  close(): Promise<void>;
}

const rawDatabases: { name: string; open: () => Promise<RawDatabase> }[] = [
  {
    name: 'postgres',
    open: async () => {
      const db = await createTestDatabase({ migrated: false });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      return {
        client,
        close: async () => {
          await client.end();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    open: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-pglite-'));
      const embedded = await startEmbeddedPostgres(dir);
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      return {
        client,
        close: async () => {
          await client.end();
          await embedded.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

describe.each(rawDatabases)('migrating a populated audit trail to partitions: $name', ({ open }) => {
  let raw: RawDatabase | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  it('when the trail has rows of several months, then every row is kept with its id, in its month, and writing goes on after them', async () => {
    const opened = await open();
    raw = opened;
    const { client } = opened;
    const sql = sqlOf(client);
    await migrate(client, captureLogs().logger, migrationsWithout(PARTITIONING, WEEKLY));
    const months = [-14, -2, -1, 0].map((offset) => new Date(monthStart(now, offset).getTime() + 86_400_000 * 3));
    await client.query(
      `INSERT INTO audit_events (at, type, outcome, subject, role_arn, request_id)
       SELECT m.at + i * interval '1 minute', 'credentials.issue', 'success', 'corp:u' || (i % 7),
              'arn:aws:iam::111122223333:role/team/R' || (i % 3), 'r-' || m.n || '-' || i
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS m(at, n), generate_series(1, 250) AS i`,
      [months],
    );
    const before = await sql<{ id: string; request_id: string }>('SELECT id::text AS id, request_id FROM audit_events ORDER BY id');
    expect(before).toHaveLength(1000);

    const result = await migrate(client, captureLogs().logger);
    expect(result.applied).toEqual([PARTITIONING, WEEKLY]);

    const after = await sql<{ id: string; request_id: string }>('SELECT id::text AS id, request_id FROM audit_events ORDER BY id');
    expect(after).toEqual(before);
    const homes = await homeOf(sql);
    // Past months in monthly partitions; this month's rows in weekly ones.
    months.slice(0, 3).forEach((month, index) => expect(homes.get(`r-${String(index + 1)}-1`)).toBe(monthlyPartitionName(month)));
    const thisMonth = months[3] ?? now;
    // Last month has a partition, so the weeks start on the first of this month.
    const first = monthStart(now);
    expect(homes.get('r-4-1')).toBe(weeklyHomeOf(new Date(thisMonth.getTime() + 60_000), first));
    expect(new Set(homes.values())).not.toContain('audit_events_default');
    // This week and the next four exist, besides the months that had rows.
    const names = (await partitionsOf(sql)).map((p) => p.name);
    for (let ahead = 1; ahead <= 4; ahead++) expect(names).toContain(partitionName(weekStart(now, ahead)));
    expect(names).toContain(weeklyHomeOf(now, first));
    expect(names).toContain('audit_events_default');

    // The sequence goes on after the copied ids; rows are still append-only; role names are indexed.
    const [next] = await sql<{ id: string }>(
      "INSERT INTO audit_events (type, outcome, request_id) VALUES ('login', 'success', 'after') RETURNING id::text AS id",
    );
    expect(BigInt(next?.id ?? '0')).toBeGreaterThan(BigInt(before.at(-1)?.id ?? '0'));
    await expect(client.query("UPDATE audit_events SET outcome = 'denied' WHERE request_id = 'after'")).rejects.toThrow(/append-only/);
    const indexes = await sql<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'audit_events'");
    expect(indexes.map((i) => i.name).sort()).toEqual([
      'audit_events_at_id_idx',
      'audit_events_pkey',
      'audit_events_role_arn_at_id_idx',
      'audit_events_role_name_at_id_idx',
      'audit_events_subject_at_id_idx',
    ]);
    // Every migration from nothing on PGlite (WebAssembly) takes 15-40 s on a busy 2-core machine.
  }, 90_000);

  it('when the monthly layout holds rows of past months, this month, a month ahead and the default partition, then moving to weekly partitions keeps every row with its id', async () => {
    const opened = await open();
    raw = opened;
    const { client } = opened;
    const sql = sqlOf(client);
    await migrate(client, captureLogs().logger, migrationsWithout(WEEKLY));
    // A month before the monthly layout's months, so that its rows land in the default partition.
    await client.query(
      `CREATE TABLE "${monthlyPartitionName(monthStart(now, -2))}" PARTITION OF audit_events FOR VALUES FROM ('${monthStart(now, -2).toISOString()}') TO ('${monthStart(now, -1).toISOString()}')`,
    );
    const rows: [string, Date][] = [
      ['two-months-ago', new Date(monthStart(now, -2).getTime() + 10 * DAY_MS)],
      ['last-month-default', new Date(monthStart(now, -1).getTime() + 2 * DAY_MS)],
      ['month-start', new Date(monthStart(now).getTime() + 60_000)],
      ['just-now', new Date(now.getTime() - 60_000)],
      ['next-week', new Date(weekStart(now, 1).getTime() + 3 * DAY_MS)],
      ['far-ahead', new Date(monthStart(now, 3).getTime() + 5 * DAY_MS)],
      ['long-ago', new Date(Date.UTC(2001, 0, 5))],
    ];
    for (const [requestId, at] of rows) {
      await client.query(
        "INSERT INTO audit_events (at, type, outcome, subject, request_id) VALUES ($1, 'login', 'success', 'corp:u', $2)",
        [at, requestId],
      );
    }
    // Many rows this month, some of them in the default partition's way (none: it is empty for this month).
    await client.query(
      `INSERT INTO audit_events (at, type, outcome, subject, role_arn, request_id)
       SELECT $1::timestamptz + ($2::timestamptz - $1::timestamptz) * (i / 3000.0), 'credentials.issue', 'success', 'corp:u' || (i % 7),
              'arn:aws:iam::111122223333:role/team/R' || (i % 3), 'bulk-' || i
         FROM generate_series(1, 3000) AS i`,
      [monthStart(now), new Date(now.getTime() - 120_000)],
    );
    const before = await sql<{ id: string; request_id: string; at: Date }>(
      'SELECT id::text AS id, request_id, at FROM audit_events ORDER BY id',
    );
    expect(before).toHaveLength(3007);
    const homesBefore = await homeOf(sql);
    expect(homesBefore.get('month-start')).toBe(monthlyPartitionName(now));
    expect(homesBefore.get('last-month-default')).toBe('audit_events_default');

    expect((await migrate(client, captureLogs().logger)).applied).toEqual([WEEKLY]);

    expect(await sql('SELECT id::text AS id, request_id, at FROM audit_events ORDER BY id')).toEqual(before);
    const homes = await homeOf(sql);
    expect(homes.get('two-months-ago')).toBe(monthlyPartitionName(monthStart(now, -2)));
    expect(homes.get('last-month-default')).toBe('audit_events_default');
    // No partition for last month: the weeks start on the first of this month, or this week's Monday if that is earlier.
    const first = weekStart(now) < monthStart(now) ? weekStart(now) : monthStart(now);
    expect(homes.get('month-start')).toBe(weeklyHomeOf(rows[2]?.[1] ?? now, first));
    expect(homes.get('just-now')).toBe(weeklyHomeOf(rows[3]?.[1] ?? now, first));
    expect(homes.get('next-week')).toBe(partitionName(weekStart(now, 1)));
    // Further ahead than the weeks made: the default partition, until upkeep makes its week.
    expect(homes.get('far-ahead')).toBe('audit_events_default');
    expect(homes.get('long-ago')).toBe('audit_events_default');
    for (const [id, home] of homes) if (id.startsWith('bulk-')) expect(home, id).toMatch(/^audit_events_w\d{8}$/);
    const names = (await partitionsOf(sql)).map((p) => p.name);
    expect(names.filter((name) => /^audit_events_y/.test(name))).toEqual([monthlyPartitionName(monthStart(now, -2))]);
    for (let ahead = 1; ahead <= 4; ahead++) expect(names).toContain(partitionName(weekStart(now, ahead)));

    // Each new partition has the indexes and the append-only trigger a month had; searches use them.
    const indexes = await sql<{ partition: string; n: number }>(
      `SELECT tablename AS partition, count(*)::int AS n FROM pg_indexes WHERE tablename ~ '^audit_events_(w[0-9]{8}|y[0-9]{4}m[0-9]{2})$' GROUP BY 1`,
    );
    const [parent] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'audit_events'`);
    expect(parent?.n).toBeGreaterThanOrEqual(7);
    expect(new Set(indexes.map((i) => i.n))).toEqual(new Set([parent?.n]));
    await expect(client.query("UPDATE audit_events SET outcome = 'denied' WHERE request_id = 'just-now'")).rejects.toThrow(/append-only/);
    const [next] = await sql<{ id: string; home: string }>(
      "INSERT INTO audit_events (type, outcome, request_id) VALUES ('login', 'success', 'after') RETURNING id::text AS id, tableoid::regclass::text AS home",
    );
    expect(BigInt(next?.id ?? '0')).toBeGreaterThan(BigInt(before.at(-1)?.id ?? '0'));
    expect(next?.home).toBe(weeklyHomeOf(new Date(), first));

    // Upkeep then makes the weeks after those; retention drops the old month whole.
    const later = await ensureAuditPartitions(sql, rows[5]?.[1] ?? now, 0);
    expect(later.moved).toBe(1);
    expect((await homeOf(sql)).get('far-ahead')).toMatch(/^audit_events_w\d{8}$/);
    const swept = await dropAuditPartitionsBefore(sql, monthStart(now, -1));
    expect(swept.dropped).toEqual([monthlyPartitionName(monthStart(now, -2))]);
  }, 90_000);
});

describe.each(databaseImplementations())('audit partition upkeep: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ database, close } = await create());
  });
  afterAll(async () => {
    await close();
  });
  const upkeep = <T>(work: (sql: Sql) => Promise<T>) => database.withConnection(60_000, work);

  it('when the weeks ahead exist already, then upkeep creates nothing; a week later it creates the next one', async () => {
    expect(await upkeep((sql) => ensureAuditPartitions(sql, now))).toEqual({ created: [], moved: 0, skipped: false });
    const later = weekStart(now, 1);
    expect(await upkeep((sql) => ensureAuditPartitions(sql, later))).toMatchObject({ created: [partitionName(weekStart(now, 5))] });
  });

  it('when the audit writer records, then it makes sure next weeks exist, beside the write', async () => {
    const third = partitionName(weekStart(now, 3));
    await database.query(`DROP TABLE ${third}`);
    await new PgAuditLog(database, { firstUpkeepAfterMs: 0 }).record({ type: 'login', outcome: 'success', requestId: 'upkeep-1' });
    const deadline = Date.now() + 10_000;
    let names: string[] = [];
    while (Date.now() < deadline && !names.includes(third)) names = (await upkeep(partitionsOf)).map((p) => p.name);
    expect(names).toContain(third);
  });

  it('when rows landed in the default partition for a week without one, then creating that week moves them into it', async () => {
    const far = weekStart(now, 9);
    const log = new PgAuditLog(database);
    await database.query(
      "INSERT INTO audit_events (at, type, outcome, request_id) VALUES ($1, 'login', 'success', 'far-1'), ($1, 'login', 'success', 'far-2')",
      [new Date(far.getTime() + 3_600_000)],
    );
    await log.record({ type: 'login', outcome: 'success', requestId: 'now-1' });
    expect((await upkeep(homeOf)).get('far-1')).toBe('audit_events_default');
    const result = await upkeep((sql) => ensureAuditPartitions(sql, far, 0));
    expect(result).toEqual({ created: [partitionName(far)], moved: 2, skipped: false });
    const homes = await upkeep(homeOf);
    expect([homes.get('far-1'), homes.get('far-2')]).toEqual([partitionName(far), partitionName(far)]);
    expect(homes.get('now-1')).toMatch(/^audit_events_w\d{8}$/);
  });

  it('when part of a week is a partition already (a month of the monthly layout), then upkeep makes a partition of the rest', async () => {
    // A month ending on a Thursday, far ahead: its last week is then cut in two.
    const ahead = Array.from({ length: 48 }, (_, i) => monthStart(now, 30 + i)).find((m) => m.getUTCDay() === 4);
    if (!ahead) throw new Error('no month ending on a Thursday');
    const month = monthStart(ahead, -1);
    await database.query(
      `CREATE TABLE "${monthlyPartitionName(month)}" PARTITION OF audit_events FOR VALUES FROM ('${month.toISOString()}') TO ('${ahead.toISOString()}')`,
    );
    const result = await upkeep((sql) => ensureAuditPartitions(sql, new Date(ahead.getTime() - DAY_MS), 1));
    expect(result.created).toEqual([partitionName(ahead), partitionName(weekStart(ahead, 1))]);
    const bounds = (await upkeep(partitionsOf)).find((p) => p.name === partitionName(ahead));
    expect(bounds).toMatchObject({ from: ahead, to: weekStart(ahead, 1) });
  });

  it('when retention runs, then whole weeks before the cutoff are dropped, the week it falls in is kept, and old default rows go', async () => {
    const oldest = weekStart(now, -5);
    await upkeep((sql) => ensureAuditPartitions(sql, oldest, 4));
    const mid = (offset: number) => new Date(weekStart(now, offset).getTime() + 3.5 * DAY_MS);
    const rows: [string, Date][] = [
      ['w-5', mid(-5)],
      ['w-4', mid(-4)],
      ['w-3', mid(-3)],
      ['w-3-late', new Date(weekStart(now, -2).getTime() - 60_000)],
      ['default-old', new Date(Date.UTC(2001, 0, 5))],
      ['default-new', new Date(weekStart(now, 60).getTime())],
    ];
    for (const [requestId, at] of rows) {
      await database.query("INSERT INTO audit_events (at, type, outcome, request_id) VALUES ($1, 'login', 'success', $2)", [at, requestId]);
    }
    // What a sweep stopped between its DETACH and its DROP leaves behind: a week, and a month of the monthly layout.
    for (const leftover of ['audit_events_w20010205', 'audit_events_y2001m02']) {
      await database.query(`CREATE TABLE ${leftover} (LIKE audit_events INCLUDING DEFAULTS)`);
      await database.query(`INSERT INTO ${leftover} (at, type, outcome) VALUES ('2001-02-06', 'login', 'success')`);
    }

    const cutoff = mid(-3);
    const removed = await new PgAuditQuery(database).deleteBefore(cutoff);
    expect(removed).toBe(5); // w-5, w-4, the leftovers' rows, default-old
    const homes = await upkeep(homeOf);
    expect([...homes.keys()].filter((id) => rows.some(([r]) => r === id)).sort()).toEqual(['default-new', 'w-3', 'w-3-late']);
    const names = (await upkeep(partitionsOf)).map((p) => p.name);
    expect(names).not.toContain(partitionName(weekStart(now, -5)));
    expect(names).not.toContain(partitionName(weekStart(now, -4)));
    expect(names).toContain(partitionName(weekStart(now, -3)));
    expect(await database.query("SELECT to_regclass('audit_events_w20010205') AS w, to_regclass('audit_events_y2001m02') AS m")).toEqual([
      { w: null, m: null },
    ]);
    // Nothing left to remove: a second sweep is a no-op.
    expect(await new PgAuditQuery(database).deleteBefore(cutoff)).toBe(0);
  });
});

describe('audit partition upkeep across instances (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let databases: Database[];
  beforeAll(async () => {
    testDb = await createTestDatabase();
    databases = await Promise.all(
      [1, 2].map(() => connectDatabase({ url: testDb.url, poolSize: 3, connectTimeoutMs: 5000, logger: captureLogs().logger })),
    );
  });
  afterAll(async () => {
    for (const database of databases) await database.close();
    await testDb.drop();
  });

  it('when two instances create the same months at once, then each week is created once and neither fails', async () => {
    const from = weekStart(now, 20);
    const results = await Promise.all(databases.map((db) => db.withConnection(60_000, (sql) => ensureAuditPartitions(sql, from, 2))));
    const created = results.flatMap((r) => r.created).sort();
    // One did the work, or both did parts of it; never a week twice.
    expect(new Set(created).size).toBe(created.length);
    const [a, b] = databases as [Database, Database];
    const names = (await a.withConnection(5000, partitionsOf)).map((p) => p.name);
    for (let ahead = 0; ahead <= 2; ahead++) expect(names).toContain(partitionName(weekStart(from, ahead)));
    // Whoever skipped can run again and find everything there.
    expect(await b.withConnection(60_000, (sql) => ensureAuditPartitions(sql, from, 2))).toMatchObject({ created: [] });
  });

  it('when a long audit search holds the table, then the week waits its turn and inserts go on meanwhile', async () => {
    const [a, b] = databases as [Database, Database];
    const old = weekStart(now, -8);
    await a.withConnection(60_000, (sql) => ensureAuditPartitions(sql, old, 0));
    await a.query("INSERT INTO audit_events (at, type, outcome, request_id) VALUES ($1, 'login', 'success', 'expired')", [
      new Date(old.getTime() + DAY_MS),
    ]);
    // A reader's open transaction keeps its lock on audit_events until it ends.
    const reader = new pg.Client({ connectionString: testDb.url });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM audit_events');

    const sweep = b.withConnection(60_000, (sql) => dropAuditPartitionsBefore(sql, weekStart(now, -7)));
    const watcher = new pg.Client({ connectionString: testDb.url });
    await watcher.connect();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE audit_events DETACH%'");
      if (rows.length > 0) break;
    }
    await watcher.end();

    const log = new PgAuditLog(a);
    const waits: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await log.record({ type: 'login', outcome: 'success', requestId: `during-${String(i)}` });
      waits.push(performance.now() - started);
    }
    await reader.query('COMMIT');
    await reader.end();
    const result = await sweep;
    expect(result.dropped).toEqual([partitionName(old)]);
    expect(result.rows).toBe(1);
    // Each insert waited at most the detach's lock timeout (100 ms) behind it, never the reader.
    expect(Math.max(...waits)).toBeLessThan(500);
  });
});

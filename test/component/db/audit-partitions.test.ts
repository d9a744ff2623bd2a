import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  dropAuditPartitionsBefore,
  ensureAuditPartitions,
  monthStart,
  partitionName,
  partitionsOf,
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
const now = new Date();

function sqlOf(client: pg.ClientBase): Sql {
  return async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
}

/** prisma/migrations as it was before the audit trail was partitioned. */
function migrationsBeforePartitioning(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-migrations-'));
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  rmSync(path.join(dir, PARTITIONING), { recursive: true });
  return dir;
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
    await migrate(client, captureLogs().logger, migrationsBeforePartitioning());
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
    expect(result.applied).toEqual([PARTITIONING]);

    const after = await sql<{ id: string; request_id: string }>('SELECT id::text AS id, request_id FROM audit_events ORDER BY id');
    expect(after).toEqual(before);
    const homes = await homeOf(sql);
    months.forEach((month, index) => expect(homes.get(`r-${String(index + 1)}-1`)).toBe(partitionName(month)));
    expect(new Set(homes.values())).not.toContain('audit_events_default');
    // This month and the next three exist, besides the months that had rows.
    const names = (await partitionsOf(sql)).map((p) => p.name);
    for (let ahead = 0; ahead <= 3; ahead++) expect(names).toContain(partitionName(monthStart(now, ahead)));
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

  it('when the months ahead exist already, then upkeep creates nothing; a month later it creates the next one', async () => {
    expect(await upkeep((sql) => ensureAuditPartitions(sql, now))).toEqual({ created: [], moved: 0, skipped: false });
    const later = monthStart(now, 1);
    expect(await upkeep((sql) => ensureAuditPartitions(sql, later))).toMatchObject({ created: [partitionName(monthStart(now, 4))] });
  });

  it('when the audit writer records, then it makes sure next months exist, beside the write', async () => {
    const third = partitionName(monthStart(now, 3));
    await database.query(`DROP TABLE ${third}`);
    await new PgAuditLog(database, { firstUpkeepAfterMs: 0 }).record({ type: 'login', outcome: 'success', requestId: 'upkeep-1' });
    const deadline = Date.now() + 10_000;
    let names: string[] = [];
    while (Date.now() < deadline && !names.includes(third)) names = (await upkeep(partitionsOf)).map((p) => p.name);
    expect(names).toContain(third);
  });

  it('when rows landed in the default partition for a month without one, then creating that month moves them into it', async () => {
    const far = monthStart(now, 9);
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
    expect(homes.get('now-1')).toBe(partitionName(now));
  });

  it('when retention runs, then whole months before the cutoff are dropped, the month it falls in is kept, and old default rows go', async () => {
    const oldest = monthStart(now, -5);
    await upkeep((sql) => ensureAuditPartitions(sql, oldest, 4));
    const mid = (offset: number) => new Date(monthStart(now, offset).getTime() + 14 * 86_400_000);
    const rows: [string, Date][] = [
      ['m-5', mid(-5)],
      ['m-4', mid(-4)],
      ['m-3', mid(-3)],
      ['m-3-late', new Date(monthStart(now, -2).getTime() - 60_000)],
      ['default-old', new Date(Date.UTC(2001, 0, 5))],
      ['default-new', new Date(monthStart(now, 30).getTime())],
    ];
    for (const [requestId, at] of rows) {
      await database.query("INSERT INTO audit_events (at, type, outcome, request_id) VALUES ($1, 'login', 'success', $2)", [at, requestId]);
    }
    // What a sweep stopped between its DETACH and its DROP leaves behind.
    await database.query('CREATE TABLE audit_events_y2001m02 (LIKE audit_events INCLUDING DEFAULTS)');
    await database.query("INSERT INTO audit_events_y2001m02 (at, type, outcome) VALUES ('2001-02-03', 'login', 'success')");

    const cutoff = mid(-3);
    const removed = await new PgAuditQuery(database).deleteBefore(cutoff);
    expect(removed).toBe(4); // m-5, m-4, the leftover's row, default-old
    const homes = await upkeep(homeOf);
    expect([...homes.keys()].filter((id) => rows.some(([r]) => r === id)).sort()).toEqual(['default-new', 'm-3', 'm-3-late']);
    const names = (await upkeep(partitionsOf)).map((p) => p.name);
    expect(names).not.toContain(partitionName(monthStart(now, -5)));
    expect(names).not.toContain(partitionName(monthStart(now, -4)));
    expect(names).toContain(partitionName(monthStart(now, -3)));
    expect(await database.query("SELECT to_regclass('audit_events_y2001m02') AS t")).toEqual([{ t: null }]);
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

  it('when two instances create the same months at once, then each month is created once and neither fails', async () => {
    const from = monthStart(now, 20);
    const results = await Promise.all(databases.map((db) => db.withConnection(60_000, (sql) => ensureAuditPartitions(sql, from, 2))));
    const created = results.flatMap((r) => r.created).sort();
    // One did the work, or both did parts of it; never a month twice.
    expect(new Set(created).size).toBe(created.length);
    const [a, b] = databases as [Database, Database];
    const names = (await a.withConnection(5000, partitionsOf)).map((p) => p.name);
    for (let ahead = 0; ahead <= 2; ahead++) expect(names).toContain(partitionName(monthStart(from, ahead)));
    // Whoever skipped can run again and find everything there.
    expect(await b.withConnection(60_000, (sql) => ensureAuditPartitions(sql, from, 2))).toMatchObject({ created: [] });
  });

  it('when a long audit search holds the table, then the month waits its turn and inserts go on meanwhile', async () => {
    const [a, b] = databases as [Database, Database];
    const old = monthStart(now, -8);
    await a.withConnection(60_000, (sql) => ensureAuditPartitions(sql, old, 0));
    await a.query("INSERT INTO audit_events (at, type, outcome, request_id) VALUES ($1, 'login', 'success', 'expired')", [
      new Date(old.getTime() + 86_400_000),
    ]);
    // A reader's open transaction keeps its lock on audit_events until it ends.
    const reader = new pg.Client({ connectionString: testDb.url });
    await reader.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM audit_events');

    const sweep = b.withConnection(60_000, (sql) => dropAuditPartitionsBefore(sql, monthStart(now, -7)));
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

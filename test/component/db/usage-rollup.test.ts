import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAuditPartitions } from '../../../src/adapters/db/audit-partitions.js';
import { connectDatabase, type Database, type Sql } from '../../../src/adapters/db/database.js';
import { PgUsageQuery } from '../../../src/adapters/db/pg-usage-query.js';
import type { RoleUseRow } from '../../../src/ports/usage-query.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

/**
 * The usage report's daily roll-up gives the answer the raw rows give, for any window; a run is
 * idempotent, never rolls up a day that has not ended (by its grace), and two instances rolling up
 * at once write each day once.
 */

const DAY_MS = 86_400_000;
const ROWS = 200_000;
let testDb: TestDatabase;
let client: pg.Client;
let one: Database;
let two: Database;
const now = new Date();
const oldest = new Date(now.getTime() - 130 * DAY_MS);
const roles = Array.from({ length: 60 }, (_, i) => `arn:aws:iam::${String(100000000000 + Math.floor(i / 10))}:role/team/R${String(i)}`);

/** Rows with the same role, user, groups and surface merged (the raw query keeps NULL groups apart from none), sorted. */
function normalised(rows: readonly RoleUseRow[]): string[] {
  const merged = new Map<string, RoleUseRow>();
  for (const r of rows) {
    const key = `${r.roleArn} ${r.subject} ${r.groups.join(',')} ${r.client}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            issued: seen.issued + r.issued,
            consoles: seen.consoles + r.consoles,
            lastAt: seen.lastAt > r.lastAt ? seen.lastAt : r.lastAt,
          }
        : r,
    );
  }
  return [...merged.entries()].map(([key, r]) => `${key} ${String(r.issued)} ${String(r.consoles)} ${r.lastAt.toISOString()}`).sort();
}

async function insertUses(from: Date, to: Date, count: number, tag: string): Promise<void> {
  // 70% credentials issued, 5% console URLs, the rest not uses (STS exchanges, refusals, sign-ins); some without groups.
  await client.query(
    `INSERT INTO audit_events (at, type, outcome, subject, idp, groups, account_id, role_arn, user_agent, request_id)
     SELECT $1::timestamptz + (($2::timestamptz - $1::timestamptz) * i / $3::float8),
            CASE WHEN i % 20 < 14 THEN 'credentials.issue' WHEN i % 20 = 14 THEN 'console.url_issued' WHEN i % 20 < 18 THEN 'sts.exchange' ELSE 'login' END,
            CASE WHEN i % 37 = 0 THEN 'denied' ELSE 'success' END::"AuditOutcome",
            'corp:u' || (i % 700), 'corp',
            CASE WHEN i % 11 = 0 THEN NULL ELSE ARRAY['team-' || (i % 700 % 9)] END,
            (100000000000 + (i % 60) / 10)::text,
            'arn:aws:iam::' || (100000000000 + (i % 60) / 10)::text || ':role/team/R' || (i % 60),
            CASE i % 3 WHEN 0 THEN 'rolegate-cli/0.1' WHEN 1 THEN 'Mozilla/5.0' ELSE 'aws-sdk-go/1.0' END, $4 || i
       FROM generate_series(1, $3::int) AS i`,
    [from, to, count, tag],
  );
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  const sql: Sql = async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
  await ensureAuditPartitions(sql, oldest, 6);
  // The roll-up has not run: these rows are the trail rolegate finds when it is upgraded.
  await insertUses(oldest, now, ROWS, 'r-');
  await client.query('ANALYZE audit_events');
  const open = () => connectDatabase({ url: testDb.url, poolSize: 3, connectTimeoutMs: 5000, logger: captureLogs().logger });
  [one, two] = await Promise.all([open(), open()]);
}, 300_000);
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
  await client.end();
  await testDb.drop();
});

const state = async () =>
  (await client.query<{ rolled_until: Date | null }>('SELECT rolled_until FROM audit_usage_rollup WHERE id = 1')).rows[0]?.rolled_until;
const rollupRows = async () =>
  (
    await client.query<{ n: number; issued: number }>(
      'SELECT count(*)::int AS n, coalesce(sum(issued), 0)::int AS issued FROM audit_usage_days',
    )
  ).rows[0];
const windows = [1, 7, 30, 90, 365].map((days) => new Date(now.getTime() - days * DAY_MS));

async function expectSameAsRaw(query: PgUsageQuery): Promise<void> {
  for (const since of windows) {
    for (const subset of [roles, roles.slice(0, 10), [roles[7] ?? '']]) {
      const raw = await query.uses(subset, since, { raw: true });
      const rolled = await query.uses(subset, since);
      expect(normalised(rolled), `${String(subset.length)} roles since ${since.toISOString()}`).toEqual(normalised(raw));
    }
  }
}

describe('usage roll-up (PostgreSQL, 200,000 audit rows over 130 days)', () => {
  it('when the complete days are rolled up, then every window and scope answers what the raw rows answer', async () => {
    const query = new PgUsageQuery(one);
    expect(await state()).toBeNull();
    const run = await query.rollUp({ graceMs: 0, maxDays: 1000 });
    expect(run.busy).toBe(false);
    expect(run.days).toBe(Math.floor(now.getTime() / DAY_MS) - Math.floor(oldest.getTime() / DAY_MS));
    expect((await state())?.getTime()).toBe(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    expect((await rollupRows())?.n).toBeGreaterThan(0);
    await expectSameAsRaw(query);

    // Uses arriving today are read raw, beside the roll-up.
    await insertUses(new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS), new Date(), 500, 'today-');
    await expectSameAsRaw(query);
    // Nothing more to roll up until today ends.
    expect((await query.rollUp({ graceMs: 0, maxDays: 1000 })).days).toBe(0);
  }, 120_000);

  it('when days are rolled up again (the watermark set back), then the roll-up is the same: a run is idempotent', async () => {
    const query = new PgUsageQuery(one);
    const before = await rollupRows();
    const until = await state();
    await client.query("UPDATE audit_usage_rollup SET rolled_until = rolled_until - interval '20 days'");
    expect((await query.rollUp({ graceMs: 0, maxDays: 1000 })).days).toBe(20);
    expect(await rollupRows()).toEqual(before);
    expect(await state()).toEqual(until);
    await expectSameAsRaw(query);
  }, 60_000);

  it('when a day ended less than the grace ago, then it is not rolled up yet, and the report reads it raw', async () => {
    const query = new PgUsageQuery(one);
    await client.query("UPDATE audit_usage_rollup SET rolled_until = rolled_until - interval '5 days'");
    const run = await query.rollUp({ graceMs: 3 * DAY_MS, maxDays: 1000 });
    const ended = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
    expect(run.days).toBeLessThanOrEqual(3);
    expect((await state())?.getTime()).toBeLessThanOrEqual(ended - 2 * DAY_MS);
    await expectSameAsRaw(query);
    await query.rollUp({ graceMs: 0, maxDays: 1000 });
    expect((await state())?.getTime()).toBe(ended);
  }, 60_000);

  it('when two instances roll up at once from nothing, then each day is written once and the answers stay the raw ones', async () => {
    await client.query('TRUNCATE audit_usage_days');
    await client.query('UPDATE audit_usage_rollup SET rolled_until = NULL');
    const [a, b] = await Promise.all([
      new PgUsageQuery(one).rollUp({ graceMs: 0, maxDays: 1000 }),
      new PgUsageQuery(two).rollUp({ graceMs: 0, maxDays: 1000 }),
    ]);
    const days = Math.floor(now.getTime() / DAY_MS) - Math.floor(oldest.getTime() / DAY_MS);
    // One may find the other at work and stop; between them every day is done, none twice (the primary key would refuse it).
    expect(a.busy || b.busy).toBe(true);
    const rest = await new PgUsageQuery(one).rollUp({ graceMs: 0, maxDays: 1000 });
    expect(a.days + b.days + rest.days).toBe(days);
    await expectSameAsRaw(new PgUsageQuery(two));
  }, 120_000);

  it('when retention removes the oldest events, then their days leave the roll-up too', async () => {
    const cutoff = new Date(Math.floor((now.getTime() - 100 * DAY_MS) / DAY_MS) * DAY_MS);
    await client.query('DELETE FROM audit_events WHERE at < $1', [cutoff]);
    await new PgUsageQuery(one).rollUp({ graceMs: 0, maxDays: 1000 });
    const [oldestDay] = (await client.query<{ day: Date }>('SELECT min(day) AS day FROM audit_usage_days')).rows;
    expect(oldestDay?.day.getTime()).toBeGreaterThanOrEqual(cutoff.getTime());
    await expectSameAsRaw(new PgUsageQuery(one));
  }, 60_000);
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAuditPartitions, partitionName, weekStart } from '../../../src/adapters/db/audit-partitions.js';
import { connectDatabase, type Database, type Sql } from '../../../src/adapters/db/database.js';
import { PgUsageQuery, USAGE_STATEMENTS } from '../../../src/adapters/db/pg-usage-query.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

/**
 * The usage report's two statements on an audit trail of 1,000,000 rows over 140 days of weekly
 * partitions: each is answered from its partial index (audit_events_usage_idx,
 * audit_events_logins_idx), never a sequential scan, and within a time a report can wait for.
 * The plans and times are printed (docs/admin.md#access-reviews quotes them).
 *
 * The window starts four hours before a partition boundary, about 90 days ago, whatever the day the
 * test runs: the partition the window only grazes is always in the plan. For it the planner may
 * rightly prefer another index, or a bitmap scan (a few hours of a week's rows); an earlier version
 * demanded index-only scans of one index everywhere and failed on the days `since` fell late in a week.
 */

const ROWS = 1_000_000;
const DAY_MS = 86_400_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}
const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

let testDb: TestDatabase;
let client: pg.Client;
let database: Database;
let emptyPartitions = new Set<string>();
const now = new Date();
const oldest = new Date(now.getTime() - 140 * DAY_MS);
const HOUR_MS = 3_600_000;
const since = new Date(weekStart(new Date(now.getTime() - 90 * DAY_MS), 1).getTime() - 4 * HOUR_MS);
const grazed = partitionName(weekStart(since));
const roleArn = (i: number) => `arn:aws:iam::${String(100000000000 + Math.floor(i / 10))}:role/team/R${String(i)}`;

beforeAll(async () => {
  testDb = await createTestDatabase();
  client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  const sql: Sql = async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
  await ensureAuditPartitions(sql, oldest, Math.ceil(140 / 7) + 1);
  // Over the last 140 days: 60% credentials issued, 5% console URLs, 25% STS exchanges (not uses), 10% sign-ins;
  // 5,000 users, 400 roles in 40 accounts.
  await client.query(
    `INSERT INTO audit_events (at, type, outcome, subject, idp, groups, account_id, role_arn, user_agent, request_id)
     SELECT $1::timestamptz + (($2::timestamptz - $1::timestamptz) * i / $3::float8),
            CASE WHEN i % 20 < 12 THEN 'credentials.issue' WHEN i % 20 = 12 THEN 'console.url_issued' WHEN i % 20 < 18 THEN 'sts.exchange' ELSE 'login' END,
            'success', 'corp:u' || (i % 5000), 'corp', ARRAY['team-' || (i % 5000 % 40), 'everyone'],
            (100000000000 + (i % 400) / 10)::text,
            CASE WHEN i % 20 < 18 THEN 'arn:aws:iam::' || (100000000000 + (i % 400) / 10)::text || ':role/team/R' || (i % 400) END,
            CASE i % 3 WHEN 0 THEN 'rolegate-cli' WHEN 1 THEN 'Mozilla/5.0' ELSE 'aws-sdk-go/1.0' END, 'r-' || i
       FROM generate_series(1, $3::int) AS i`,
    [oldest, now, ROWS],
  );
  await client.query('VACUUM ANALYZE audit_events');
  const empty = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass AND c.relpages = 0",
  );
  emptyPartitions = new Set(empty.rows.map((row) => row.name));
  database = await connectDatabase({ url: testDb.url, poolSize: 2, connectTimeoutMs: 5000, logger: captureLogs().logger });
}, 600_000);

afterAll(async () => {
  await database.close();
  await client.end();
  await testDb.drop();
});

async function explain(text: string, params: unknown[]): Promise<{ plan: PlanNode; ms: number }> {
  const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
    params,
  );
  const top = rows[0]?.['QUERY PLAN'][0];
  if (!top) throw new Error('no plan');
  return { plan: top.Plan, ms: top['Execution Time'] };
}

/** Every non-empty partition is read through an index whose name says which (partition indexes are named after the parent's columns). */
function scansOf(plan: PlanNode): PlanNode[] {
  return nodesOf(plan).filter((n) => n['Relation Name']?.startsWith('audit_events') && !emptyPartitions.has(n['Relation Name']));
}

/** The index a scan reads: its own, or for a bitmap heap scan the one its bitmap index scan reads. */
function indexOf(scan: PlanNode): PlanNode | undefined {
  if (scan['Node Type'] === 'Bitmap Heap Scan') return (scan.Plans ?? []).flatMap(nodesOf).find((n) => n['Node Type'] === 'Bitmap Index Scan');
  return scan['Index Name'] ? scan : undefined;
}

function describeScans(scans: PlanNode[]): string {
  return scans
    .map((s) => `${s['Node Type']} ${s['Relation Name'] ?? ''} ${indexOf(s)?.['Index Name'] ?? ''} heap fetches ${String(s['Heap Fetches'] ?? '-')}`)
    .join('\n');
}

/**
 * Every partition the window covers whole is an index-only scan of `index` (partition indexes are
 * named after the parent's columns) on `condition`. The partition the window grazes holds a few
 * hours of the window: any index that reads only those hours (`at >=` in its condition) will do,
 * and the planner picks among them by its sampled statistics (the sign-in index, or (type, at, id)
 * behind a bitmap); it is never read whole.
 */
function expectReadThrough(scans: PlanNode[], index: RegExp, condition: RegExp): void {
  expect(scans.map((s) => s['Relation Name'])).toContain(grazed);
  for (const scan of scans) {
    const where = describeScans([scan]);
    if (scan['Relation Name'] === grazed) {
      expect(['Index Only Scan', 'Index Scan', 'Bitmap Heap Scan'], where).toContain(scan['Node Type']);
      expect(indexOf(scan)?.['Index Cond'] ?? '', where).toMatch(/at >=/);
      continue;
    }
    expect(scan['Node Type'], where).toBe('Index Only Scan');
    expect(indexOf(scan)?.['Index Name'] ?? '', where).toMatch(index);
    expect(indexOf(scan)?.['Index Cond'] ?? '', where).toMatch(condition);
  }
}

describe(`usage report plans (PostgreSQL, ${ROWS.toLocaleString('en')} audit rows over 140 days of weekly partitions)`, () => {
  it('when the report reads one account (10 roles) over 90 days, then every partition is read through the usage index, never whole', async () => {
    const arns = Array.from({ length: 10 }, (_, i) => roleArn(i));
    const { plan, ms } = await explain(USAGE_STATEMENTS.uses, [arns, since]);
    const scans = scansOf(plan);
    console.log(`uses, one account (10 roles), 90 days: ${ms.toFixed(1)} ms\n${describeScans(scans)}`);
    expectReadThrough(scans, /_role_arn_at_/, /role_arn = ANY/);
    const rows = await new PgUsageQuery(database).uses(arns, since);
    expect(rows.reduce((n, r) => n + r.issued, 0)).toBeGreaterThan(0);
    expect(rows.every((r) => r.consoles <= r.issued)).toBe(true);
  });

  it('when the report reads every role (400) over 90 days, then it reads every use of the window once, in well under a second or two', async () => {
    // ~650,000 of the 1,000,000 rows are uses in the window: the planner reads the partitions whole
    // rather than probe the index 400 times (forcing the index gave the same time, in the grouping).
    const arns = Array.from({ length: 400 }, (_, i) => roleArn(i));
    const { plan, ms } = await explain(USAGE_STATEMENTS.uses, [arns, since]);
    console.log(`uses, every role (400), 90 days: ${ms.toFixed(1)} ms\n${describeScans(scansOf(plan))}`);
    expect(ms).toBeLessThan(5000);
    const rows = await new PgUsageQuery(database).uses(arns, since);
    // The row kind and the role both follow i: roles R(n) with n % 20 >= 13 only ever see STS exchanges and sign-ins.
    expect(new Set(rows.map((r) => r.roleArn)).size).toBe(260);
  });

  it('when the report asks who signed in over 90 days, then every partition is read through the sign-in index, never whole', async () => {
    const { plan, ms } = await explain(USAGE_STATEMENTS.holders, [since]);
    const scans = scansOf(plan);
    console.log(`holders, 90 days: ${ms.toFixed(1)} ms\n${describeScans(scans)}`);
    expectReadThrough(scans, /_subject_at_groups_idx$/, /at >=/);
    const holders = await new PgUsageQuery(database).holders(since);
    // Sign-ins are the rows with i % 20 >= 18: users u18, u19, u38, u39… (500 of the 5,000).
    expect(holders).toHaveLength(500);
    expect(new Set(holders.map((h) => h.subject)).size).toBe(holders.length);
  });
});

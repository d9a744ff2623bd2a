import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAuditPartitions } from '../../../src/adapters/db/audit-partitions.js';
import { connectDatabase, type Database, type Sql } from '../../../src/adapters/db/database.js';
import { auditSearchOf, PgAuditQuery } from '../../../src/adapters/db/pg-audit-query.js';
import type { AuditFilter } from '../../../src/ports/audit-query.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

/**
 * Every audit query kind is answered from an index that matches both its filter and its order
 * (newest first), so its cost does not grow with the age of the matching rows: the plan may hold
 * no sequential scan, and no index scan that walks the table in time order filtering
 * rows out (what the query by user did before partitioning: a backward primary-key scan).
 */

const DAY_MS = 86_400_000;
const MONTHS = 6;
const OLD_USER = 'corp:old-alice';
const OLD_ROLE_ARN = 'arn:aws:iam::444455556666:role/legacy/OldRole';
const RARE_ACCOUNT = '777788889999';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

let testDb: TestDatabase;
let client: pg.Client;
let database: Database;
let emptyPartitions = new Set<string>();
const now = new Date();
const oldest = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - MONTHS + 1, 3));

beforeAll(async () => {
  testDb = await createTestDatabase();
  client = new pg.Client({ connectionString: testDb.url });
  await client.connect();
  const sql: Sql = async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
  // Partitions for the weeks the rows below fall in (the migration made this week's and later).
  await ensureAuditPartitions(sql, oldest, Math.ceil((now.getTime() - oldest.getTime()) / (7 * DAY_MS)) + 1);
  // ~150,000 rows over the months up to now, 500 users and 40 roles, then a user and a role seen only in the oldest week.
  await client.query(
    `INSERT INTO audit_events (at, type, outcome, subject, idp, account_id, role_arn, mode, request_id, user_agent)
     SELECT $1::timestamptz + (($2::timestamptz - $1::timestamptz) * i / 150000.0), 'credentials.issue', 'success',
            'corp:u' || (i % 500), 'corp', '111122223333', 'arn:aws:iam::111122223333:role/team/R' || (i % 40), 'saml', 'bg-' || i,
            CASE WHEN i % 10 = 0 THEN 'Mozilla/5.0' ELSE 'rolegate-cli/0.1' END
       FROM generate_series(1, 150000) AS i`,
    [oldest, now],
  );
  await client.query(
    `INSERT INTO audit_events (at, type, outcome, subject, idp, account_id, role_arn, request_id)
     SELECT $1::timestamptz + i * interval '1 minute', 'credentials.issue', 'success', $2, 'corp', '444455556666', $3, 'old-' || i
       FROM generate_series(1, 30) AS i`,
    [oldest, OLD_USER, OLD_ROLE_ARN],
  );
  // Refusals of an administrative kind in another account, also only in the oldest month: what the
  // filters by account, type and outcome look for.
  await client.query(
    `INSERT INTO audit_events (at, type, outcome, subject, idp, account_id, request_id)
     SELECT $1::timestamptz + i * interval '1 minute', 'admin.review.open', 'denied', 'corp:rare', 'corp', $2, 'rare-' || i
       FROM generate_series(1, 30) AS i`,
    [oldest, RARE_ACCOUNT],
  );
  await client.query('ANALYZE audit_events');
  const empty = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass AND c.relpages = 0",
  );
  emptyPartitions = new Set(empty.rows.map((row) => row.name));
  database = await connectDatabase({ url: testDb.url, poolSize: 2, connectTimeoutMs: 5000, logger: captureLogs().logger });
}, 120_000);

afterAll(async () => {
  await database.close();
  await client.end();
  await testDb.drop();
});

async function planOf(filter: AuditFilter): Promise<PlanNode> {
  const { text, params } = auditSearchOf(filter);
  const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
  const plan = rows[0]?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('no plan');
  return plan;
}

/**
 * Every scan of audit_events' partitions is driven by an index condition on `column`: an index
 * scan's own, or a bitmap scan's index lookups (what the planner picks where it expects a few
 * rows). Never a sequential scan (but of a partition with no page at all), nor an index walked in
 * time order with the filter applied row by row.
 */
function expectIndexedOn(plan: PlanNode, column: RegExp): void {
  const nodes = nodesOf(plan);
  const scans = nodes.filter((node) => node['Relation Name']?.startsWith('audit_events'));
  expect(scans.filter((scan) => !emptyPartitions.has(scan['Relation Name'] ?? '')).length).toBeGreaterThan(0);
  for (const scan of scans) {
    // The weeks ahead hold no page yet (the planner knows it from ANALYZE): reading one costs nothing.
    if (scan['Node Type'] === 'Seq Scan' && emptyPartitions.has(scan['Relation Name'] ?? '')) continue;
    const lookups = scan['Node Type'] === 'Bitmap Heap Scan' ? nodesOf(scan).filter((n) => n['Node Type'] === 'Bitmap Index Scan') : [scan];
    expect(lookups.length).toBeGreaterThan(0);
    for (const lookup of lookups) {
      const where = `${lookup['Node Type']} of ${scan['Relation Name'] ?? ''} (${lookup['Index Name'] ?? 'no index'}: ${lookup['Index Cond'] ?? 'no condition'})`;
      expect(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'], where).toContain(lookup['Node Type']);
      expect(lookup['Index Cond'] ?? '', where).toMatch(column);
    }
  }
}

describe('audit query plans (PostgreSQL, 150,000 rows over 6 months of weekly partitions)', () => {
  it('when searching by user whose events are all in the oldest week, then each partition is read through (subject, at, id)', async () => {
    expectIndexedOn(await planOf({ user: OLD_USER, limit: 51 }), /subject = /);
    const events = await new PgAuditQuery(database).find({ user: OLD_USER, limit: 51 });
    expect(events).toHaveLength(30);
    expect(events.every((e) => e.subject === OLD_USER)).toBe(true);
  });

  it('when paging by user with a cursor, then the cursor is part of the index condition too', async () => {
    const first = await new PgAuditQuery(database).find({ user: OLD_USER, limit: 10 });
    const last = first.at(-1);
    if (!last) throw new Error('no events');
    const filter = { user: OLD_USER, after: { at: last.at, id: last.id }, limit: 10 };
    expectIndexedOn(await planOf(filter), /subject = .*ROW\(at, id\) < ROW/);
    // Weeks newer than the cursor are pruned.
    expect(nodesOf(await planOf(filter)).filter((n) => n['Relation Name']?.startsWith('audit_events')).length).toBeLessThan(
      nodesOf(await planOf({ user: OLD_USER, limit: 10 })).filter((n) => n['Relation Name']?.startsWith('audit_events')).length,
    );
    const next = await new PgAuditQuery(database).find(filter);
    expect(next.map((e) => e.id)).not.toContain(last.id);
    expect(next[0]?.at.getTime()).toBeLessThanOrEqual(last.at.getTime());
  });

  it('when searching by role ARN, then (role_arn, at, id) is used', async () => {
    expectIndexedOn(await planOf({ role: OLD_ROLE_ARN, limit: 51 }), /role_arn = /);
    expect(await new PgAuditQuery(database).find({ role: OLD_ROLE_ARN, limit: 51 })).toHaveLength(30);
  });

  it('when searching by role name, then the role-name expression index is used, not a LIKE over every row', async () => {
    expectIndexedOn(await planOf({ role: 'OldRole', limit: 51 }), /split_part\(role_arn, '\/'::text, '-1'::integer\) = /);
    const events = await new PgAuditQuery(database).find({ role: 'OldRole', limit: 51 });
    expect(events.map((e) => e.roleArn)).toEqual(Array.from({ length: 30 }, () => OLD_ROLE_ARN));
  });

  it('when searching a day long ago, then only its partition is read, through (at, id)', async () => {
    const from = new Date(oldest.getTime() + 5 * DAY_MS);
    const plan = await planOf({ from, to: new Date(from.getTime() + DAY_MS), limit: 51 });
    expectIndexedOn(plan, /at >= /);
    const relations = new Set(nodesOf(plan).flatMap((node) => (node['Relation Name'] ? [node['Relation Name']] : [])));
    expect([...relations]).toHaveLength(1);
  });

  it('when listing everything newest first, then (at, id) is read backwards from the newest partition', async () => {
    const plan = await planOf({ limit: 51 });
    const scans = nodesOf(plan).filter((node) => node['Relation Name']?.startsWith('audit_events'));
    expect(scans.every((scan) => scan['Node Type'] === 'Index Scan' && scan['Scan Direction'] === 'Backward')).toBe(true);
    expect(nodesOf(plan).map((node) => node['Node Type'])).not.toContain('Sort');
  });

  it("when the admin revocation asks for a user's grants since a date, then (subject, at, id) is used", async () => {
    const since = new Date(now.getTime() - 30 * DAY_MS);
    expectIndexedOn(
      await planOf({ user: 'corp:u7', type: 'credentials.issue', outcome: 'success', from: since, limit: 1000 }),
      /subject = /,
    );
  });
  it('when the audit page combines any of its filters, then every partition is read through an index on one of them', async () => {
    const from = new Date(oldest.getTime() + 5 * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    // Each dimension: absent, or each form it takes on the page (role: ARN or name; type: exact or prefix…).
    const dimensions: { name: string; values: (Partial<AuditFilter> | undefined)[]; indexed: RegExp }[] = [
      { name: 'user', values: [undefined, { user: OLD_USER }], indexed: /subject = / },
      { name: 'role', values: [undefined, { role: OLD_ROLE_ARN }, { role: 'OldRole' }], indexed: /role_arn = |split_part\(role_arn/ },
      { name: 'account', values: [undefined, { account: RARE_ACCOUNT }], indexed: /account_id = / },
      { name: 'type', values: [undefined, { type: 'admin.review.open' }, { type: 'admin.' }], indexed: /type = |type ~>=~ / },
      { name: 'outcome', values: [undefined, { outcome: 'denied' }, { outcome: 'success' }], indexed: /outcome = / },
      { name: 'surface', values: [undefined, { surface: 'cli' }, { surface: 'api' }], indexed: /$^/ },
      { name: 'window', values: [undefined, { from }, { to }, { from, to }], indexed: /at >= |at < / },
      {
        name: 'cursor',
        values: [undefined, { after: { at: new Date(oldest.getTime() + 10 * DAY_MS), id: '9223372036854775807' } }],
        indexed: /ROW\(at, id\) < ROW/,
      },
    ];
    let combinations: { filter: AuditFilter; indexed: RegExp[] }[] = [{ filter: { limit: 51 }, indexed: [] }];
    for (const dimension of dimensions) {
      combinations = combinations.flatMap((c) =>
        dimension.values.map((value) => {
          if (value === undefined) return c;
          // outcome=success and surface are most rows: they narrow, they do not find (see below).
          const selective = !(dimension.name === 'surface' || (dimension.name === 'outcome' && value.outcome === 'success'));
          return { filter: { ...c.filter, ...value }, indexed: selective ? [...c.indexed, dimension.indexed] : c.indexed };
        }),
      );
    }
    expect(combinations).toHaveLength(2 * 3 * 2 * 3 * 3 * 3 * 4 * 2);
    const failures: string[] = [];
    for (const { filter, indexed } of combinations) {
      const plan = await planOf(filter);
      const scans = nodesOf(plan).filter((n) => n['Relation Name']?.startsWith('audit_events') && !emptyPartitions.has(n['Relation Name']));
      const label = JSON.stringify(filter);
      for (const scan of scans) {
        const lookups =
          scan['Node Type'] === 'Bitmap Heap Scan' ? nodesOf(scan).filter((n) => n['Node Type'] === 'Bitmap Index Scan') : [scan];
        for (const lookup of lookups) {
          const kind = lookup['Node Type'];
          const cond = lookup['Index Cond'] ?? '';
          const where = `${label}: ${kind} of ${scan['Relation Name'] ?? ''} (${lookup['Index Name'] ?? 'no index'}: ${cond || 'no condition'})`;
          if (!['Index Scan', 'Index Only Scan', 'Bitmap Index Scan'].includes(kind)) failures.push(where);
          else if (indexed.length > 0 && !indexed.some((re) => re.test(cond))) failures.push(where);
          // Nothing selective (no filter, or only surface / outcome=success): the (at, id) index walked newest first,
          // so a page costs the rows read until it is full, not the table.
          else if (
            indexed.length === 0 &&
            !(kind === 'Index Scan' && lookup['Scan Direction'] === 'Backward' && /at_id_idx|pkey/.test(lookup['Index Name'] ?? ''))
          )
            failures.push(where);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  // Last, as it adds rows: the identities a plan names (features/admin/apply-access.ts planAccess).
  it('when a plan asks for the identities seen signing in, then each comes once with its latest sign-in, out of 150,000 other rows', async () => {
    await client.query(
      `INSERT INTO audit_events (at, type, outcome, subject, idp, groups, request_id, details)
       SELECT $1::timestamptz + (($2::timestamptz - $1::timestamptz) * i / 20000.0), 'login', 'success',
              'corp:p' || (i % 2000), 'corp', ARRAY['team-' || (i % 7)], 'login-' || i, jsonb_build_object('username', 'p' || (i % 2000))
         FROM generate_series(1, 20000) AS i`,
      [oldest, now],
    );
    await client.query(
      `INSERT INTO audit_events (type, outcome, subject, idp, request_id) VALUES ('login', 'denied', 'corp:refused', 'corp', 'x')`,
    );
    await client.query('ANALYZE audit_events');
    const started = performance.now();
    const identities = await new PgAuditQuery(database).lastSignIns(50_000);
    const elapsedMs = performance.now() - started;
    expect(identities).toHaveLength(2000);
    expect(identities.map((i) => i.user)).not.toContain('corp:refused');
    // p0's sign-ins are i = 2000, 4000, …, 20000: the latest is i = 20000, in team-(20000 % 7) = team-1.
    expect(identities.find((i) => i.user === 'corp:p0')).toMatchObject({ idp: 'corp', username: 'p0', groups: ['team-1'] });
    expect(identities[0]?.at.getTime()).toBeGreaterThanOrEqual(identities.at(-1)?.at.getTime() ?? 0);
    expect(await new PgAuditQuery(database).lastSignIns(10)).toHaveLength(10);
    // 20,000 sign-ins of 2,000 people among 150,000 other events: well under a second here.
    expect(elapsedMs).toBeLessThan(5000);
  });
});

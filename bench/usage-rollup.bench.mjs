// Issue 19: the whole-model usage report (`rolegate usage`, GET /api/v1/admin/usage with no scope)
// read from the daily roll-up (audit_usage_days) beside the same report read from the raw audit rows,
// in one run on one database. The fixture is the one of test/component/db/usage-query-plans.test.ts,
// made in SQL: `--rows` audit rows (default 1,000,000) over the last 140 days, 5,000 users, 400 roles
// in 40 accounts, 65% of them uses (credentials issued or console URLs), so ~420,000 uses in the 90-day
// window per million rows. Measured:
//  (a) the first roll-up (every complete day, what an upgraded rolegate does once) and one more day
//      (what the timer does each day);
//  (b) PgUsageQuery.uses(every role, 90 days), raw rows beside roll-up, alternated, RUNS times each:
//      p50 and p99; target: roll-up p50 ≤ 1/5 of raw p50;
//  (c) the time to build the audit-filter indexes of the same migration on this trail (an upgrade's wait).
// Two fixtures (below): how much the roll-up gains is how many uses it merges into one row.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { adminSql as admin } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (file) => import(path.join(root, 'dist', file));
const { connectDatabase } = await dist('adapters/db/database.js');
const { PgUsageQuery } = await dist('adapters/db/pg-usage-query.js');
const { ensureAuditPartitions } = await dist('adapters/db/audit-partitions.js');
const { createLogger } = await dist('adapters/logging/create-logger.js');

const flag = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const ROWS = Number(flag('rows') ?? process.env.USAGE_ROLLUP_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const DAY_MS = 86_400_000;
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const logger = createLogger('silent');
const now = new Date();
const oldest = new Date(now.getTime() - 140 * DAY_MS);
const since = new Date(now.getTime() - 90 * DAY_MS);
const roles = Array.from({ length: 400 }, (_, i) => `arn:aws:iam::${String(100000000000 + Math.floor(i / 10))}:role/team/R${String(i)}`);

const printTable = (rows) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
};
const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const timed = async (work) => {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
};

async function measure(fixture) {
  const name = `rolegate_bench_usage_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = Object.assign(new URL(postgresUrl), { pathname: `/${name}` }).href;
  const db = await connectDatabase({ url, poolSize: 4, connectTimeoutMs: 5000, logger });
  try {
    await db.migrate();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const sql = async (text, params = []) => (await client.query(text, params)).rows;
      await ensureAuditPartitions(sql, oldest, 6);
      console.log(`\n${fixture.name}: ${ROWS.toLocaleString('en')} audit rows over 140 days, 400 roles; ${load()}`);
      const loaded = await timed(() =>
        client.query(
          `INSERT INTO audit_events (at, type, outcome, subject, idp, groups, account_id, role_arn, user_agent, request_id)
           SELECT at, type, 'success', 'corp:u' || u, 'corp', ARRAY['team-' || (u % 40), 'everyone'],
                  (100000000000 + r / 10)::text,
                  CASE WHEN type <> 'login' THEN 'arn:aws:iam::' || (100000000000 + r / 10)::text || ':role/team/R' || r END,
                  CASE c WHEN 0 THEN 'rolegate-cli' WHEN 1 THEN 'Mozilla/5.0' ELSE 'aws-sdk-go/1.0' END, 'r-' || i
             FROM (SELECT i, $1::timestamptz + (($2::timestamptz - $1::timestamptz) * i / $3::float8) AS at,
                          CASE WHEN i % 20 < 12 THEN 'credentials.issue' WHEN i % 20 = 12 THEN 'console.url_issued' WHEN i % 20 < 18 THEN 'sts.exchange' ELSE 'login' END AS type,
                          ${fixture.user} AS u, ${fixture.role} AS r, ${fixture.client} AS c
                     FROM generate_series(1, $3::int) AS i) AS g`,
          [oldest, now, ROWS],
        ),
      );
      await client.query('VACUUM ANALYZE audit_events');
      const [{ uses }] = await sql(
        `SELECT count(*)::int AS uses FROM audit_events WHERE at >= $1 AND outcome = 'success' AND type IN ('credentials.issue', 'console.url_issued')`,
        [since],
      );
      console.log(`loaded in ${(loaded.ms / 1000).toFixed(0)} s; ${uses.toLocaleString('en')} uses in the 90-day window`);

      const query = new PgUsageQuery(db);
      const first = await timed(() => query.rollUp({ graceMs: 0, maxDays: 1000 }));
      await client.query('ANALYZE audit_usage_days');
      const [{ n: rollupRows }] = await sql('SELECT count(*)::int AS n FROM audit_usage_days');
      await client.query("UPDATE audit_usage_rollup SET rolled_until = rolled_until - interval '1 day'");
      const oneDay = await timed(() => query.rollUp({ graceMs: 0, maxDays: 1000 }));
      console.log(
        `(a) first roll-up: ${String(first.result.days)} days in ${(first.ms / 1000).toFixed(1)} s (${rollupRows.toLocaleString('en')} roll-up rows); ` +
          `one more day: ${oneDay.ms.toFixed(0)} ms; ${load()}`,
      );

      // (b) Alternated so drift on the shared machine hits both; one warm-up each.
      await query.uses(roles, since, { raw: true });
      await query.uses(roles, since);
      const raw = [];
      const rolled = [];
      let rawRows = 0;
      let rolledRows = 0;
      for (let i = 0; i < RUNS; i++) {
        const pair = [
          async () => {
            const r = await timed(() => query.uses(roles, since, { raw: true }));
            raw.push(r.ms);
            rawRows = r.result.length;
          },
          async () => {
            const r = await timed(() => query.uses(roles, since));
            rolled.push(r.ms);
            rolledRows = r.result.length;
          },
        ];
        for (const run of i % 2 === 0 ? pair : pair.reverse()) await run();
      }
      if (rawRows !== rolledRows) throw new Error(`the roll-up answered ${String(rolledRows)} groups, the raw rows ${String(rawRows)}`);
      const ratio = pct(rolled, 50) / pct(raw, 50);
      printTable([
        ['uses(400 roles, 90 days)', 'p50 ms', 'p99 ms', 'groups answered'],
        ['raw audit rows (baseline)', pct(raw, 50).toFixed(0), pct(raw, 99).toFixed(0), String(rawRows)],
        ['daily roll-up + raw today', pct(rolled, 50).toFixed(0), pct(rolled, 99).toFixed(0), String(rolledRows)],
      ]);
      console.log(
        `(b) roll-up / raw p50 = ${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}× faster); target ≤ 0.2: ${ratio <= 0.2 ? 'met' : 'NOT met'}; ${load()}`,
      );

      // (c) What migration 20261204130000 costs on upgrade: its audit-filter indexes built again on this trail (writes wait meanwhile).
      const indexes = await sql(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_events'
           AND indexname IN ('audit_events_account_at_id_idx', 'audit_events_type_at_id_idx', 'audit_events_refusals_idx')`,
      );
      const built = [];
      for (const { indexname, indexdef } of indexes) {
        await client.query(`DROP INDEX ${indexname}`);
        built.push(`${indexname} ${(await timed(() => client.query(indexdef.replace(' ON ONLY ', ' ON ')))).ms.toFixed(0)} ms`);
      }
      console.log(`(c) the migration's audit indexes on ${ROWS.toLocaleString('en')} rows: ${built.join(', ')}; ${load()}`);
    } finally {
      await client.end();
    }
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

// The fixture: 5,000 users, each use a random user-role pair, so each user takes a role about
// once every day and a half: the roll-up can merge little. Then a denser trail (what a day of
// `credential_process` looks like): 500 users each taking one of 3 roles about 9 times a day, mostly from one surface.
await measure({ name: 'spread (5,000 users, any role)', user: 'i % 5000', role: 'i % 400', client: 'i % 3' });
await measure({
  name: 'dense (500 users, 3 roles each, ~9 uses a day)',
  user: 'i % 500',
  role: '((i % 500) * 7 + (i / 500) % 3) % 400',
  client: 'CASE WHEN i % 10 = 0 THEN (i / 10) % 3 ELSE (i % 500) % 3 END',
});

// Issue 15, target 3: the audit trail at scale. Two databases side by side on the real PostgreSQL,
// both migrated by rolegate's own migrator: "big" with `--rows` audit rows (default 20,000,000) at a
// steady rate over the last ten months (from the first day of the month nine months ago to the end
// of the current partition), each of rolegate's partitions (weekly) with its share, the current one
// with the rows of its whole week (the worst case, as at its end, squeezed before now), and "empty"
// with none. Measured, in one run:
//  (a) the insert path (rolegate's PgAuditLog, group commit, 64 concurrent writers): throughput,
//      p50/p99 of a record's wait and PostgreSQL's CPU per row, big beside empty, alternated;
//      target big ≥ 0.9 × empty;
//  (b) audit queries through PgAuditQuery (what the admin API runs), p50/p99 over repeated runs:
//      by user, role ARN, role name and a one-hour window, each matching only rows of the oldest
//      month (older than all other rows), plus a busy user's first and second page;
//      target p99 ≤ 100 ms; baseline the same query on the empty table;
//  (c) retention: the oldest month's partitions (about rows/10) removed (PgAuditQuery.deleteBefore, as the hourly
//      sweep calls it) while the 64 writers go on: its duration, and insert p99 during it beside
//      the insert p99 just before it.
// The rows are made in SQL (generate_series into a plain table per partition, indexed, then attached
// as that partition): `--rows 2000000` (or AUDIT_SCALE_ROWS) for a quick run.
// BENCH_SECONDS (default 5) per insert row.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { adminSql as admin, postgresCpuMs } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (file) => import(path.join(root, 'dist', file));
const { connectDatabase } = await dist('adapters/db/database.js');
const { PgAuditLog } = await dist('adapters/db/pg-audit-log.js');
const { PgAuditQuery } = await dist('adapters/db/pg-audit-query.js');
const { monthStart, weekStart, weeklyPartitionsBetween } = await dist('adapters/db/audit-partitions.js');
const { createLogger } = await dist('adapters/logging/create-logger.js');

const flag = (name) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const ROWS = Number(flag('rows') ?? process.env.AUDIT_SCALE_ROWS ?? 20_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WRITERS = 64;
const MONTHS = 10;
const QUERY_RUNS = 200;
const ROUNDS = 3;
const USERS = 20_000;
const ACCOUNTS = 2_000;
const ROLES_PER_ACCOUNT = 10;
const OLD_USER = 'corp:old-user';
const OLD_ROLE_ARN = 'arn:aws:iam::999999999999:role/legacy/OldRole';
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const logger = createLogger('silent');
const now = new Date();

const cleanups = [];
try {
  console.log(
    `audit rows: ${ROWS.toLocaleString('en')} over ${MONTHS} months, ${USERS} users, ${ACCOUNTS * ROLES_PER_ACCOUNT} roles; ` +
      `${WRITERS} writers, ${SECONDS} s per insert row; the machine is shared, compare rows of this run`,
  );
  const big = await freshDatabase();
  const empty = await freshDatabase();

  const loadStarted = performance.now();
  await load(big.url, ROWS);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const [size] = await big.db.query(
    "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) AS size FROM pg_inherits WHERE inhparent = 'audit_events'::regclass",
  );
  console.log(
    `loaded in ${loadSeconds.toFixed(0)} s (${((loadSeconds * 1e6) / ROWS).toFixed(1)} s per million rows), ${size.size} with indexes`,
  );

  // (a) Inserts, big beside empty, alternated so drift on the shared machine hits both.
  const rounds = { big: [], empty: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const pair = [
      ['empty', empty],
      ['big', big],
    ];
    for (const [name, target] of round % 2 === 0 ? pair : pair.reverse()) {
      rounds[name].push(await insertLoad(target, SECONDS));
    }
  }
  // The median round of each (by throughput), and PostgreSQL's CPU per row: on a shared machine
  // throughput follows whatever else runs, CPU per row hardly does.
  const median = (runs) => [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)];
  const insertEmpty = median(rounds.empty);
  const insertBig = median(rounds.big);
  const cpu = (runs) => [...runs].map((r) => r.pgCpuUsPerRow).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  console.log(`\n(a) insert path (PgAuditLog, 64 writers; median of ${ROUNDS} rounds each, alternated, the order swapped each round)`);
  console.log(
    table(
      ['table', 'rows/s', 'p50 ms', 'p99 ms', 'PostgreSQL CPU µs/row', 'rounds rows/s'],
      [
        [
          'empty (baseline)',
          insertEmpty.perSecond,
          insertEmpty.p50,
          insertEmpty.p99,
          cpu(rounds.empty),
          rounds.empty.map((r) => r.perSecond).join(' '),
        ],
        [
          `${ROWS.toLocaleString('en')} rows`,
          insertBig.perSecond,
          insertBig.p50,
          insertBig.p99,
          cpu(rounds.big),
          rounds.big.map((r) => r.perSecond).join(' '),
        ],
      ],
    ),
  );
  console.log(
    `throughput ratio big/empty ${(insertBig.perSecond / insertEmpty.perSecond).toFixed(2)} (target ≥ 0.90); ` +
      `p99 ratio ${(insertBig.p99 / insertEmpty.p99).toFixed(2)}; PostgreSQL CPU per row ratio ${(cpu(rounds.big) / cpu(rounds.empty)).toFixed(2)}`,
  );

  // (b) Queries whose matching rows are all in the oldest month.
  await big.db.query('ANALYZE audit_events');
  await empty.db.query('ANALYZE audit_events');
  const oldest = monthStart(now, -(MONTHS - 1));
  const hourStart = new Date(oldest.getTime() + 5 * 86_400_000);
  const [busy] = await big.db.query("SELECT subject FROM audit_events WHERE at > now() - interval '1 day' LIMIT 1");
  const kinds = [
    ['by user (old rows)', { user: OLD_USER }],
    ['by role ARN (old rows)', { role: OLD_ROLE_ARN }],
    ['by role name (old rows)', { role: 'OldRole' }],
    ['one hour, oldest month', { from: hourStart, to: new Date(hourStart.getTime() + 3_600_000) }],
    ['busy user, first page', { user: busy.subject }],
    ['busy user, second page', { user: busy.subject, page: 2 }],
    ['everything, first page', {}],
  ];
  const queryRows = [];
  for (const [name, filter] of kinds) {
    const onBig = await queryTimes(big.query, filter);
    const onEmpty = await queryTimes(empty.query, filter);
    queryRows.push([
      name,
      onBig.found,
      onEmpty.p50,
      onEmpty.p99,
      onBig.p50,
      onBig.p99,
      (onBig.p99 / Math.max(onEmpty.p99, 0.01)).toFixed(1),
    ]);
  }
  console.log(`\n(b) audit queries (PgAuditQuery.find, 50 a page, ${QUERY_RUNS} runs each; target p99 ≤ 100 ms)`);
  console.log(table(['query', 'found', 'empty p50', 'empty p99', 'big p50', 'big p99', 'p99 ratio'], queryRows));

  // (c) Retention of the oldest month while the writers go on.
  const before = await insertLoad(big, SECONDS);
  const cutoff = monthStart(now, -(MONTHS - 2));
  let sweep;
  const during = await insertLoad(big, 600, async () => {
    const started = performance.now();
    const removed = await big.query.deleteBefore(cutoff);
    sweep = { ms: Math.round(performance.now() - started), removed };
  });
  const [left] = await big.db.query('SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = $1::regclass', ['audit_events']);
  const expired = weeklyPartitionsBetween(oldest, cutoff).length;
  console.log(`\n(c) retention: the oldest month (${expired} partitions) dropped while ${WRITERS} writers insert`);
  console.log(
    table(
      ['', 'rows/s', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['inserts before the sweep (baseline)', before.perSecond, before.p50, before.p99, before.max],
        ['inserts during the sweep', during.perSecond, during.p50, during.p99, during.max],
      ],
    ),
  );
  console.log(
    `sweep: ${sweep.removed.toLocaleString('en')} rows removed in ${sweep.ms} ms (${left.n} partitions left); ` +
      `insert p99 during/before ${(during.p99 / before.p99).toFixed(2)}; no insert failed: ${during.failed === 0 && before.failed === 0}`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}

async function freshDatabase() {
  const name = `rolegate_bench_audit_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = Object.assign(new URL(postgresUrl), { pathname: `/${name}` }).href;
  const db = await connectDatabase({ url, poolSize: 8, connectTimeoutMs: 5000, logger });
  cleanups.push(() => db.close());
  await db.migrate();
  return { name, url, db, audit: new PgAuditLog(db), query: new PgAuditQuery(db) };
}

/**
 * `rows` rows over the last MONTHS months in SQL: per partition of rolegate's layout a plain table
 * filled by generate_series and indexed as audit_events' partitions are (by sort, much faster than
 * row by row), then ATTACHed as that partition, which adopts those indexes. Two at a time.
 * The old user and role have 40 rows each, in the oldest month only (its sixth day).
 */
async function load(url, rows) {
  const first = monthStart(now, -(MONTHS - 1));
  const end = weekStart(now, 1);
  const specialAt = new Date(first.getTime() + 5 * 86_400_000);
  const partitions = weeklyPartitionsBetween(first, end);
  let nextId = 1;
  let left = rows;
  const work = partitions.map((partition, index) => {
    const count = index === partitions.length - 1 ? left : Math.round((rows * (partition.to - partition.from)) / (end - first));
    left -= count;
    const job = { ...partition, count, firstId: nextId, special: partition.from <= specialAt && specialAt < partition.to };
    nextId += count;
    return job;
  });
  const clients = await Promise.all(
    [0, 1].map(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("SET maintenance_work_mem = '256MB'");
      await client.query('SET synchronous_commit = off');
      return client;
    }),
  );
  try {
    // The partitions the migration made ahead are replaced by the loaded ones (those after the current one stay).
    const [client] = clients;
    const { rows: existing } = await client.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_events'::regclass AND c.relname <> 'audit_events_default'`,
    );
    const loaded = new Set(work.map((w) => w.name));
    for (const { name } of existing) {
      const bound = await client.query(`SELECT pg_get_expr(relpartbound, oid) AS b FROM pg_class WHERE relname = $1`, [name]);
      const from = new Date(/FROM \('([^']+)'\)/.exec(bound.rows[0].b)[1]);
      if (loaded.has(name) || from < end) await client.query(`DROP TABLE ${name}`);
    }
    await Promise.all(
      clients.map(async (c) => {
        for (let job = work.shift(); job !== undefined; job = work.shift()) await loadPartition(c, job);
      }),
    );
    await client.query("SELECT setval('audit_events_id_seq', (SELECT max(id) FROM audit_events))");
    await client.query('VACUUM (ANALYZE) audit_events');
  } finally {
    for (const client of clients) await client.end();
  }
}

async function loadPartition(client, { name, from, to: end, count: total, firstId, special }) {
  const to = end > now ? now : end;
  await client.query(`CREATE TABLE ${name} (LIKE audit_events INCLUDING DEFAULTS)`);
  const count = special ? total - 80 : total;
  // Ids from the sequence, in time order across partitions (the order rolegate writes them in).
  await client.query(
    `INSERT INTO ${name} (id, at, type, outcome, subject, idp, groups, account_id, role_arn, mode, duration_seconds, source_ip, user_agent, request_id, details)
     SELECT $4::bigint + i, $1::timestamptz + ($2::timestamptz - $1::timestamptz) * ((i - 1)::float8 / $3),
            'credentials.issue', 'success', 'corp:user' || ((i::bigint * 7919) % ${USERS}), 'corp', '{aws-dev,aws-readonly}',
            lpad(((i * 31) % ${ACCOUNTS})::text, 12, '1'),
            'arn:aws:iam::' || lpad(((i * 31) % ${ACCOUNTS})::text, 12, '1') || ':role/team/Role' || (i % ${ROLES_PER_ACCOUNT}),
            'saml', 3600, '10.0.' || (i % 250) || '.' || (i % 200), 'aws-cli/2.17.0 md/command#credential-process',
            md5((i + $4::bigint)::text), jsonb_build_object('sessionName', 'user' || ((i::bigint * 7919) % ${USERS}), 'accessKeyIdPrefix', 'ASIAEXAMPLE')
       FROM generate_series(1, $3::int) AS i`,
    [from, to, count, firstId - 1],
  );
  if (special) {
    await client.query(
      `INSERT INTO ${name} (id, at, type, outcome, subject, idp, account_id, role_arn, mode, request_id)
       SELECT $4::bigint + i, $1::timestamptz + i * interval '7 minutes', 'credentials.issue', 'success'::"AuditOutcome", $2, 'corp', '999999999999', $3, 'saml', 'old-' || i
         FROM generate_series(1, 40) AS i
       UNION ALL
       SELECT $4::bigint + 40 + i, $1::timestamptz + i * interval '11 minutes', 'credentials.issue', 'success'::"AuditOutcome", 'corp:user1', 'corp', '999999999999', $3, 'saml', 'old-role-' || i
         FROM generate_series(1, 40) AS i`,
      [new Date(monthStart(now, -(MONTHS - 1)).getTime() + 5 * 86_400_000), OLD_USER, OLD_ROLE_ARN, firstId - 1 + count],
    );
  }
  // The indexes of audit_events' partitions, so that ATTACH adopts them instead of building them under its lock.
  await client.query(`ALTER TABLE ${name} ADD PRIMARY KEY (id, at)`);
  await client.query(`CREATE INDEX ON ${name} (at, id)`);
  await client.query(`CREATE INDEX ON ${name} (subject, at, id)`);
  await client.query(`CREATE INDEX ON ${name} (role_arn, at, id)`);
  await client.query(`CREATE INDEX ON ${name} ((split_part(role_arn, '/', -1)), at, id)`);
  await client.query(
    `ALTER TABLE ${name} ADD CONSTRAINT ${name}_bounds CHECK (at >= '${from.toISOString()}' AND at < '${end.toISOString()}')`,
  );
  await client.query(
    `ALTER TABLE audit_events ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${end.toISOString()}')`,
  );
  await client.query(`ALTER TABLE ${name} DROP CONSTRAINT ${name}_bounds`);
  process.stdout.write(`  ${name}: ${total.toLocaleString('en')} rows\n`);
}

/**
 * WRITERS concurrent loops recording what a cached credentials answer records, for `seconds`,
 * or, with `during`, for as long as `during()` runs.
 */
async function insertLoad({ audit, name }, seconds, during) {
  const cpuBefore = await postgresCpuMs(name);
  const waits = [];
  let failed = 0;
  let stop = false;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let sequence = 0;
  const writer = async (w) => {
    while (!stop && performance.now() < deadline) {
      const t = performance.now();
      try {
        await audit.record({
          type: 'credentials.issue',
          outcome: 'success',
          subject: `corp:user${String(w)}`,
          idp: 'corp',
          groups: ['aws-dev'],
          accountId: '111122223333',
          roleArn: 'arn:aws:iam::111122223333:role/team/Role1',
          mode: 'saml',
          durationSeconds: 3600,
          sourceIp: '10.0.0.7',
          userAgent: 'aws-cli/2.17.0 md/command#credential-process',
          requestId: `bench-${String(sequence++)}`,
          details: { cached: true, accessKeyIdPrefix: 'ASIAEXAMPLE' },
        });
        waits.push(performance.now() - t);
      } catch {
        failed++;
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
  if (during) {
    await during();
    stop = true;
  }
  await Promise.all(writers);
  const elapsed = (performance.now() - started) / 1000;
  const pgCpuUsPerRow = Math.round((((await postgresCpuMs(name)) - cpuBefore) * 1000) / Math.max(1, waits.length));
  waits.sort((a, b) => a - b);
  const at = (q) => round(waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? 0);
  return {
    perSecond: Math.round(waits.length / elapsed),
    p50: at(0.5),
    p99: at(0.99),
    max: round(waits.at(-1) ?? 0),
    failed,
    pgCpuUsPerRow,
  };
}

/** QUERY_RUNS runs of one page (or the second page, through the first page's cursor). */
async function queryTimes(query, { page, ...filter }) {
  const base = { ...filter, limit: 51 };
  const first = await query.find(base);
  const asked = page === 2 && first[49] ? { ...base, after: { at: first[49].at, id: first[49].id } } : base;
  const times = [];
  let found = 0;
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t = performance.now();
    found = (await query.find(asked)).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { found, p50: round(times[Math.floor(times.length / 2)]), p99: round(times[Math.floor(times.length * 0.99)]) };
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}

function table(header, rows) {
  const lines = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

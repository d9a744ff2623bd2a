// Issue 19: what the audit-filter indexes of migration 20261204130000 (by account, by type, the
// refusals) cost on the audit insert path, every credentials answer's. Two databases migrated by
// rolegate's own migrator, one with those three indexes dropped (the baseline, as before the
// migration), written by rolegate's PgAuditLog (group commit) from 64 concurrent writers, rounds
// alternated: throughput, p50/p99 of a record's wait, and PostgreSQL's CPU per row (steadier than
// throughput on a shared machine). Target: CPU per row ≤ 1.25 × the baseline's.
// BENCH_SECONDS (default 5) per round, 4 rounds each.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { adminSql as admin, postgresCpuMs } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (file) => import(path.join(root, 'dist', file));
const { connectDatabase } = await dist('adapters/db/database.js');
const { PgAuditLog } = await dist('adapters/db/pg-audit-log.js');
const { createLogger } = await dist('adapters/logging/create-logger.js');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 4;
const WRITERS = 64;
const NEW_INDEXES = ['audit_events_account_at_id_idx', 'audit_events_type_at_id_idx', 'audit_events_refusals_idx'];
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const logger = createLogger('silent');
const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const cleanups = [];

async function freshDatabase(dropNewIndexes) {
  const name = `rolegate_bench_idx_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = Object.assign(new URL(postgresUrl), { pathname: `/${name}` }).href;
  const db = await connectDatabase({ url, poolSize: 8, connectTimeoutMs: 5000, logger });
  cleanups.push(() => db.close());
  await db.migrate();
  if (dropNewIndexes) for (const index of NEW_INDEXES) await admin(`DROP INDEX ${index}`, url);
  return { name, audit: new PgAuditLog(db) };
}

async function insertRound({ audit, name }) {
  const cpuBefore = await postgresCpuMs(name);
  const waits = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let sequence = 0;
  const writer = async (w) => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await audit.record({
        type: w % 10 === 0 ? 'login' : 'credentials.issue',
        outcome: w % 16 === 0 ? 'denied' : 'success',
        subject: `corp:user${String(w)}`,
        idp: 'corp',
        groups: ['aws-dev'],
        accountId: `1111222233${String(10 + (w % 40))}`,
        roleArn: `arn:aws:iam::1111222233${String(10 + (w % 40))}:role/team/Role${String(w % 7)}`,
        userAgent: 'aws-cli/2.17.0 md/command#credential-process',
        requestId: `bench-${String(sequence++)}`,
      });
      waits.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await postgresCpuMs(name)) - cpuBefore;
  waits.sort((a, b) => a - b);
  const at = (q) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? 0;
  return { perSecond: waits.length / elapsed, p50: at(0.5), p99: at(0.99), cpuUsPerRow: (cpu * 1000) / Math.max(1, waits.length) };
}

try {
  const withIndexes = await freshDatabase(false);
  const baseline = await freshDatabase(true);
  const rounds = { with: [], baseline: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const pair = [
      ['baseline', baseline],
      ['with', withIndexes],
    ];
    for (const [key, target] of round % 2 === 0 ? pair : pair.reverse()) rounds[key].push(await insertRound(target));
    console.log(`round ${String(round + 1)} done; ${load()}`);
  }
  const median = (xs, field) => [...xs].map((x) => x[field]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [
    ['audit inserts, 64 writers', 'rows/s', 'p50 ms', 'p99 ms', 'PG CPU µs/row'],
    ...[
      ['without the 3 indexes (baseline)', rounds.baseline],
      ['with them (this migration)', rounds.with],
    ].map(([label, rs]) => [
      label,
      median(rs, 'perSecond').toFixed(0),
      median(rs, 'p50').toFixed(1),
      median(rs, 'p99').toFixed(1),
      median(rs, 'cpuUsPerRow').toFixed(0),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  const ratio = median(rounds.with, 'cpuUsPerRow') / median(rounds.baseline, 'cpuUsPerRow');
  const throughput = median(rounds.with, 'perSecond') / median(rounds.baseline, 'perSecond');
  console.log(
    `CPU per row with / without = ${ratio.toFixed(2)} (target ≤ 1.25: ${ratio <= 1.25 ? 'met' : 'NOT met'}); throughput with / without = ${throughput.toFixed(2)}; ${load()}`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

// Just-in-time grants on the cached path (issue 17): cached POST /api/v1/credentials
// at 64 connections with 10,000 active grants held in memory, beside the same run
// with none, alternating (A B B A … over BENCH_ROUNDS, default 2) so what one round
// leaves behind does not always fall on the same side. Target: within 5% of the
// run without grants. Grants are checked with a Map lookup (features/access-requests/
// active-grants.ts), never a PostgreSQL round trip.
// rolegate runs built (dist/main.js) on the real PostgreSQL and Redis, with the
// devstack's demo IdP and local STS (bench/broker-fixture.mjs).
import path from 'node:path';
import pg from 'pg';
import { startBenchBroker } from './broker-fixture.mjs';
import { load, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const GRANTS = Number(process.env.BENCH_GRANTS ?? 10_000);

const broker = await startBenchBroker(root, { logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
const db = new pg.Client({ connectionString: broker.databaseUrl });
try {
  await db.connect();
  const alice = await broker.signIn('alice');
  const ask = {
    method: 'POST',
    headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
  };
  const warm = await fetch(`${broker.url}/api/v1/credentials`, ask);
  if (warm.status !== 200) throw new Error(`warm-up failed: ${warm.status} ${await warm.text()}`);

  // The grants name an existing mapping, so the sweep does not end them as orphaned mid-run.
  const { rows: mappings } = await db.query('SELECT id::text AS id FROM group_mappings LIMIT 1');
  const mappingId = mappings[0]?.id;
  if (mappingId === undefined) throw new Error('the bench broker has no mapping');
  const held = async () => (await broker.metrics())['rolegate_access_grants_held'] ?? 0;
  const settle = async (want) => {
    await broker.announceGrantsChange();
    const until = Date.now() + 30_000;
    while ((await held()) !== want) {
      if (Date.now() > until) throw new Error(`the grant index holds ${await held()} grants, not ${want}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const withGrants = async (on) => {
    if (on) {
      await db.query(
        `INSERT INTO access_requests (id, state, principal_id, idp, username, groups, account_id, role_id, role_arn, mapping_id, policy,
           duration_seconds, reason, created_at, expires_at, starts_at, decided_at, decided_by, activated_at, ends_at)
         SELECT gen_random_uuid(), 'active', 'bench:user-' || n, 'bench', 'user-' || n, ARRAY['aws-dev'], '111111111111', gen_random_uuid(),
           'arn:aws:iam::111111111111:role/Bench' || (n % 50), $1::uuid, '{}'::jsonb, 14400, 'bench grant', now(), now(), now(), now(),
           'bench:approver', now(), now() + interval '4 hours'
         FROM generate_series(1, $2::int) AS n`,
        [mappingId, GRANTS],
      );
    } else {
      await db.query(`DELETE FROM access_requests WHERE idp = 'bench'`);
    }
    await settle(on ? GRANTS : 0);
  };

  const none = [];
  const some = [];
  const measure = async (on) => {
    await withGrants(on);
    (on ? some : none).push(
      await load(`${broker.url}/api/v1/credentials`, { connections: 64, duration: DURATION, pid: broker.pid, ...ask }),
    );
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const on of order) await measure(on);
  }
  const median = (runs) => {
    const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  };
  const a = median(none);
  const b = median(some);
  console.log(`cached credentials at 64 connections, ${DURATION} s each, ${ROUNDS} round(s), median round`);
  console.log(
    table([
      { name: 'rolegate cached, no grants', ...a },
      { name: `rolegate cached, ${GRANTS.toLocaleString('en')} active grants`, ...b },
    ]),
  );
  const ratio = b.requestsPerSecond / a.requestsPerSecond;
  console.log(
    `with grants / without: throughput ${ratio.toFixed(3)} (target ≥ 0.95), p99 ${(b.p99 / a.p99).toFixed(2)}×, CPU per request ${(b.cpuUsPerRequest / a.cpuUsPerRequest).toFixed(2)}×`,
  );
} finally {
  await db.end().catch(() => undefined);
  await broker.close();
}

// Cached-path benchmarks (issues 5 and 15), each beside a baseline measured in the same run:
//  (a) cached POST /api/v1/credentials at 64 connections (autocannon), against
//      a bare node:http server doing one Redis GET of a same-sized value, and
//      against the same server also committing the audit row rolegate must
//      commit before answering (the floor for that promise; issue 15's target:
//      ≥ 0.85 of the floor's throughput, p99 and CPU per request ≤ 1.5× the floor's);
//  (b) 1,000 concurrent cold requests for one (user, role): STS calls made and
//      time to the last answer.
// rolegate runs built (dist/main.js) on the real PostgreSQL and Redis, with the
// devstack's demo IdP and local STS (behind a counting proxy).
import path from 'node:path';
import { startBenchBroker } from './broker-fixture.mjs';
import { load, startChild, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

const cleanups = [];
try {
  // BENCH_PROFILE=<dir> writes CPU profiles of rolegate and of the floor there (to compare them by category).
  const profiled = (name) =>
    process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const broker = await startBenchBroker(root, {
    countStsCalls: true,
    nodeArgs: profiled('rolegate'),
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  });
  cleanups.push(() => broker.close());
  const publicUrl = broker.url;
  const alice = await broker.signIn('alice');
  const ask = (body) => ({
    method: 'POST',
    headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const warm = await fetch(`${publicUrl}/api/v1/credentials`, ask({ alias: 'sandbox', role: 'Developer' }));
  const warmBody = await warm.text();
  if (warm.status !== 200) throw new Error(`warm-up failed: ${warm.status} ${warmBody}`);

  // (a) cached answers vs the bare baseline.
  const baseline = startChild(path.join(root, 'bench/baseline-redis-get-server.mjs'), {
    ready: /listening (http:\/\/\S+)/,
    env: { REDIS_URL: redisUrl, VALUE_BYTES: String(Buffer.byteLength(warmBody)) },
  });
  cleanups.push(() => baseline.stop());
  const baselineUrl = await baseline.started;
  // Each target gets the very request rolegate gets (POST, cookie, CSRF header, JSON body): all pay for receiving it.
  const rows = [];
  const measure = async (name, url, pid) =>
    rows.push({
      name,
      ...(await load(url, { connections: 64, duration: DURATION, pid, ...ask({ alias: 'sandbox', role: 'Developer' }) })),
    });
  await measure('baseline: node:http + 1 Redis GET', baselineUrl, baseline.child.pid);
  // The floor for "no audit row, no credentials": the baseline plus rolegate's audit writer alone.
  const floor = startChild(path.join(root, 'bench/baseline-audit-server.mjs'), {
    nodeArgs: profiled('floor'),
    ready: /listening (http:\/\/\S+)/,
    env: { REDIS_URL: redisUrl, DATABASE_URL: broker.databaseUrl, VALUE_BYTES: String(Buffer.byteLength(warmBody)) },
  });
  cleanups.push(() => floor.stop());
  await measure('floor: baseline + 1 audit row committed', await floor.started, floor.child.pid);
  // BENCH_COMPARE_DIST=<dir> (relative to the repository, beside dist/ and prisma/: e.g. a build of main
  // copied to tmp/before/dist with a tmp/before/prisma link) also measures that build, same run, same
  // load, alternating with this one BENCH_ROUNDS times (default 1); each row is then the median round.
  let compared;
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
  const oursName = 'rolegate POST /api/v1/credentials (cached)';
  if (process.env.BENCH_COMPARE_DIST) {
    const before = await startBenchBroker(root, { dist: process.env.BENCH_COMPARE_DIST, logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
    cleanups.push(() => before.close());
    const user = await before.signIn('alice');
    const asUser = {
      method: 'POST',
      headers: { cookie: user.cookie, 'x-csrf-token': user.csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
    };
    const warmed = await fetch(`${before.url}/api/v1/credentials`, asUser);
    if (warmed.status !== 200) throw new Error(`warm-up of ${process.env.BENCH_COMPARE_DIST} failed: ${warmed.status}`);
    const theirs = [];
    const mine = [];
    const measureTheirs = async () =>
      theirs.push(await load(`${before.url}/api/v1/credentials`, { connections: 64, duration: DURATION, pid: before.pid, ...asUser }));
    const measureMine = async () =>
      mine.push(
        await load(`${publicUrl}/api/v1/credentials`, {
          connections: 64,
          duration: DURATION,
          pid: broker.pid,
          ...ask({ alias: 'sandbox', role: 'Developer' }),
        }),
      );
    // ABBA: each build goes first in every other round, so what one round leaves behind (PostgreSQL
    // checkpoints and autovacuum after thousands of audit rows) does not always fall on the same one.
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        await measureTheirs();
        await measureMine();
      } else {
        await measureMine();
        await measureTheirs();
      }
    }
    compared = { name: `rolegate ${process.env.BENCH_COMPARE_DIST} (cached)`, ...medianRound(theirs) };
    rows.push(compared, { name: oursName, ...medianRound(mine) });
    if (ROUNDS > 1) {
      console.log(`CPU µs/request by round, ${process.env.BENCH_COMPARE_DIST} / this build:`);
      console.log(theirs.map((r, i) => `${r.cpuUsPerRequest} / ${mine[i].cpuUsPerRequest}`).join(', '));
    }
    await before.close();
  } else {
    await measure(oursName, `${publicUrl}/api/v1/credentials`, broker.pid);
  }
  console.log(`(a) cached credentials at 64 connections, ${DURATION} s each, answer ${Buffer.byteLength(warmBody)} bytes`);
  console.log(table(rows));
  const [base, audited] = rows;
  const ours = rows[rows.length - 1];
  const ratios = (r) =>
    `throughput ${(r.requestsPerSecond / audited.requestsPerSecond).toFixed(2)} (target ≥ 0.85), p99 ${(r.p99 / audited.p99).toFixed(2)}× (target ≤ 1.5×), CPU per request ${(r.cpuUsPerRequest / audited.cpuUsPerRequest).toFixed(2)}× (target ≤ 1.5×)`;
  console.log(`rolegate/floor: ${ratios(ours)}`);
  if (compared) console.log(`${compared.name.replace(/ \(cached\)$/, '')}/floor: ${ratios(compared)}`);
  console.log(
    `floor/baseline: throughput ${(audited.requestsPerSecond / base.requestsPerSecond).toFixed(2)}, p99 ${(audited.p99 / base.p99).toFixed(2)}×; rolegate/baseline: throughput ${(ours.requestsPerSecond / base.requestsPerSecond).toFixed(2)}, CPU per request ${(ours.cpuUsPerRequest / base.cpuUsPerRequest).toFixed(1)}×`,
  );

  // (b) 1,000 concurrent cold requests for one (user, role, duration).
  const before = broker.stsCalls();
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: 1000 }, () =>
      fetch(`${publicUrl}/api/v1/credentials`, ask({ alias: 'sandbox', role: 'Developer', durationSeconds: 5400 })).then(async (r) => ({
        status: r.status,
        key: r.status === 200 ? (await r.json()).credentials.accessKeyId : await r.text(),
      })),
    ),
  );
  const elapsed = performance.now() - started;
  const ok = answers.filter((a) => a.status === 200);
  console.log(`\n(b) 1,000 concurrent cold requests for one (user, role)`);
  console.log(
    `STS calls: ${broker.stsCalls() - before} (target 1); answers 200: ${ok.length}/1000; distinct credentials: ${new Set(ok.map((a) => a.key)).size}; time to the last answer: ${elapsed.toFixed(0)} ms`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

/** The round with the median CPU per request (the figure that moves least when the machine is shared). */
function medianRound(rounds) {
  return [...rounds].sort((x, y) => x.cpuUsPerRequest - y.cpuUsPerRequest)[Math.floor(rounds.length / 2)];
}

// Issue 15 target 6, cold exchange overhead: rolegate's own time on a cold
// POST /api/v1/credentials — everything but the STS round trip (session,
// entitlement, rate limits, the single-flight lock, the write-ahead audit rows,
// minting and signing the SAML assertion, sealing and caching the answer) —
// p50 ≤ 3 ms. Requests go one at a time (no queueing), each for a duration no
// earlier request used, so each misses the cache and makes one exchange with
// the devstack STS; the STS time is measured at a proxy in front of it and
// subtracted. Baseline, same run: a bare node:http server making the same kind
// of call to the same STS through the same proxy per request (its own time is
// the loopback HTTP both pay).
// (exchange-core.bench.mjs measures the in-process pieces; this is the whole request.)
import { createServer, request as httpRequest } from 'node:http';
import path from 'node:path';
import { startBenchBroker } from './broker-fixture.mjs';
import { cpuSplitMs } from './support.mjs';
import { roundTripCounter } from './round-trip-counter.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const REQUESTS = Number(process.env.COLD_REQUESTS ?? 300);
const WARM_UP = 20;
// Round trips per cold request are counted afterwards, on instances of their own behind counting proxies (0: skip).
const COUNTED_REQUESTS = Number(process.env.COLD_COUNTED_REQUESTS ?? 30);

// Limits still counted (their Redis round trips are part of the cold path), high enough never to refuse.
const brokerEnv = { ROLEGATE_RATE_LIMIT_STS_PER_ROLE: '100000', ROLEGATE_RATE_LIMIT_STS_PER_USER: '100000' };

const cleanups = [];
try {
  const brokerOptions = {
    countStsCalls: true,
    // BENCH_PROFILE=<dir> writes a CPU profile of rolegate there.
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    env: brokerEnv,
  };
  const broker = await startBenchBroker(root, brokerOptions);
  cleanups.push(() => broker.close());
  const targets = [await target('rolegate POST /api/v1/credentials (cold)', broker)];
  // BENCH_COMPARE_DIST=<dir> (relative to the repository, beside dist/ and prisma/: e.g. a build of main
  // copied to tmp/before/dist with a tmp/before/prisma link) also measures that build, same run, its
  // requests alternating one for one with this build's, so both see the same load.
  if (process.env.BENCH_COMPARE_DIST) {
    const before = await startBenchBroker(root, { ...brokerOptions, nodeArgs: [], dist: process.env.BENCH_COMPARE_DIST });
    cleanups.push(() => before.close());
    targets.unshift(await target(`rolegate ${process.env.BENCH_COMPARE_DIST} (cold)`, before));
  }

  // Durations 900 + k: a new cache slot each, so every request exchanges.
  for (const t of targets) t.cpuBefore = cpuSplitMs(t.broker.pid);
  const measured = await sampleAlternating(
    targets.map((t) => t.request),
    targets.map((t) => t.broker),
  );
  for (const [i, t] of targets.entries()) {
    t.samples = measured[i];
    // rolegate's CPU per cold request (user + system, its whole process; /proc ticks of 10 ms): what it costs on a free core.
    const after = cpuSplitMs(t.broker.pid);
    t.userMsPerRequest = (after.user - t.cpuBefore.user) / (REQUESTS + WARM_UP);
    t.systemMsPerRequest = (after.system - t.cpuBefore.system) / (REQUESTS + WARM_UP);
    t.cpuMsPerRequest = t.userMsPerRequest + t.systemMsPerRequest;
  }

  // The baseline: node:http, one call to the same STS (an AssumeRoleWithSAML it refuses: the STS time is subtracted anyway).
  const sts = new URL(broker.stsUrl);
  const baselineServer = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const call = httpRequest(
        { host: sts.hostname, port: sts.port, path: '/', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        (answer) => {
          answer.resume();
          answer.once('end', () => {
            res.setHeader('Content-Type', 'application/json');
            res.end('{"ok":true}');
          });
        },
      );
      call.end('Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FDeveloper');
    });
  });
  await new Promise((resolve) => baselineServer.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => baselineServer.close(resolve)));
  const baselineUrl = `http://127.0.0.1:${baselineServer.address().port}/`;
  const [baselineSamples] = await sampleAlternating(
    [
      async () => {
        const answer = await fetch(baselineUrl, {
          method: 'POST',
          headers: targets.at(-1).headers,
          body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
        });
        await answer.text();
      },
    ],
    [broker],
  );

  const base = summary(baselineSamples);
  const ours = summary(targets.at(-1).samples);
  console.log(`cold POST /api/v1/credentials, ${REQUESTS} requests one at a time (after ${WARM_UP} warm-up), devstack STS`);
  const width = Math.max(42, ...targets.map((t) => t.name.length));
  console.log(`${'target'.padEnd(width)} total p50  STS p50  own p50  own p90  own p99  CPU/req   (ms)`);
  for (const [name, s, cpu] of [
    ['baseline: node:http + the same STS call', base, undefined],
    ...targets.map((t) => [t.name, summary(t.samples), t.cpuMsPerRequest]),
  ]) {
    console.log(
      `${name.padEnd(width)} ${s.total.toFixed(2).padStart(9)}  ${s.sts.toFixed(2).padStart(7)}  ${s.p50.toFixed(2).padStart(7)}  ${s.p90.toFixed(2).padStart(7)}  ${s.p99.toFixed(2).padStart(7)}  ${cpu === undefined ? '      -' : cpu.toFixed(2).padStart(7)}`,
    );
  }
  console.log(
    `rolegate's own time p50: ${ours.p50.toFixed(2)} ms (target ≤ 3 ms: ${ours.p50 <= 3 ? 'met' : 'NOT met'}); baseline's ${base.p50.toFixed(2)} ms; rolegate beyond the baseline: ${(ours.p50 - base.p50).toFixed(2)} ms, ratio ${(ours.p50 / base.p50).toFixed(1)}×`,
  );
  if (targets.length > 1) {
    const theirs = summary(targets[0].samples);
    console.log(
      `this build / ${process.env.BENCH_COMPARE_DIST}: own time p50 ${ours.p50.toFixed(2)} / ${theirs.p50.toFixed(2)} ms (${(ours.p50 / theirs.p50).toFixed(2)}×), CPU per cold request ${targets[1].cpuMsPerRequest.toFixed(2)} / ${targets[0].cpuMsPerRequest.toFixed(2)} ms (${(targets[1].cpuMsPerRequest / targets[0].cpuMsPerRequest).toFixed(2)}×)`,
    );
  }
  console.log(
    `CPU/req: rolegate's CPU per cold request (wall-clock own time above it is waiting: PostgreSQL commits, Redis round trips, a busy machine); user + system: ${targets
      .map((t) => `${t.userMsPerRequest.toFixed(2)} + ${t.systemMsPerRequest.toFixed(2)}`)
      .join(' / ')} ms (system time includes the loopback TCP work of its writes to the STS, Redis and PostgreSQL)`,
  );
  console.log(`STS calls: ${broker.stsCalls()} (one per cold request, plus the baseline's)`);
  if (COUNTED_REQUESTS > 0) {
    for (const t of targets) {
      const trips = await countRoundTrips(t.broker === broker ? {} : { dist: process.env.BENCH_COMPARE_DIST });
      console.log(
        `round trips per cold request, ${t.name}: Redis ${trips.redis.toFixed(2)}, PostgreSQL ${trips.postgres.toFixed(2)} (${COUNTED_REQUESTS} requests counted at TCP proxies: a pipelined batch is one; the session lookup included)`,
      );
    }
  }
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

/**
 * Round trips to Redis and PostgreSQL per cold request, on an instance of its own whose connections go
 * through counting proxies (they add a hop, so nothing is timed there).
 */
async function countRoundTrips(options) {
  const redis = await roundTripCounter(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const postgres = await roundTripCounter(process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const counted = await startBenchBroker(root, { ...options, env: brokerEnv, via: { redis: redis.url, postgres: postgres.url } });
  try {
    const { request } = await target('counted', counted);
    for (let i = 0; i < 5; i++) await request();
    const before = { redis: redis.turns, postgres: postgres.turns };
    for (let i = 0; i < COUNTED_REQUESTS; i++) await request();
    return {
      redis: (redis.turns - before.redis) / COUNTED_REQUESTS,
      postgres: (postgres.turns - before.postgres) / COUNTED_REQUESTS,
    };
  } finally {
    await counted.close();
    await redis.close();
    await postgres.close();
  }
}

/** A signed-in alice on `broker` and a cold credentials request (a duration no earlier request used). */
async function target(name, broker) {
  const alice = await broker.signIn('alice');
  const headers = { cookie: alice.cookie, 'x-csrf-token': alice.csrfToken, 'content-type': 'application/json' };
  let nextDuration = 900;
  const request = async () => {
    const body = JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: nextDuration++ });
    const answer = await fetch(`${broker.url}/api/v1/credentials`, { method: 'POST', headers, body });
    const json = await answer.json();
    if (answer.status !== 200 || json.cached !== false) throw new Error(`not a cold answer: ${answer.status} ${JSON.stringify(json)}`);
  };
  return { name, broker, headers, request };
}

/**
 * Runs each of `requests` WARM_UP then REQUESTS times, one at a time, alternating between them;
 * each sample is { total, sts } in ms, the STS time measured at the proxy of that request's broker.
 */
async function sampleAlternating(requests, brokers) {
  for (let i = 0; i < WARM_UP; i++) for (const request of requests) await request();
  const samples = requests.map(() => []);
  for (let i = 0; i < REQUESTS; i++) {
    for (const [k, request] of requests.entries()) {
      const stsBefore = brokers[k].stsMs();
      const started = performance.now();
      await request();
      const total = performance.now() - started;
      samples[k].push({ total, sts: brokers[k].stsMs() - stsBefore });
    }
  }
  return samples;
}

function summary(samples) {
  const own = samples.map((s) => s.total - s.sts).sort((a, b) => a - b);
  const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = (values) =>
    at(
      [...values].sort((a, b) => a - b),
      0.5,
    );
  return {
    total: median(samples.map((s) => s.total)),
    sts: median(samples.map((s) => s.sts)),
    p50: at(own, 0.5),
    p90: at(own, 0.9),
    p99: at(own, 0.99),
  };
}

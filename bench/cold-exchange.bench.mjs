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
import { cpuMs } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const REQUESTS = Number(process.env.COLD_REQUESTS ?? 300);
const WARM_UP = 20;

const cleanups = [];
try {
  const broker = await startBenchBroker(root, {
    countStsCalls: true,
    // BENCH_PROFILE=<dir> writes a CPU profile of rolegate there.
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    // Limits still counted (their Redis round trips are part of the cold path), high enough never to refuse.
    env: { ROLEGATE_RATE_LIMIT_STS_PER_ROLE: '100000', ROLEGATE_RATE_LIMIT_STS_PER_USER: '100000' },
  });
  cleanups.push(() => broker.close());
  const alice = await broker.signIn('alice');
  const headers = { cookie: alice.cookie, 'x-csrf-token': alice.csrfToken, 'content-type': 'application/json' };

  // Durations 900 + k: a new cache slot each, so every request exchanges.
  let nextDuration = 900;
  const rolegateCpuBefore = cpuMs(broker.pid);
  const rolegate = await sample(async () => {
    const body = JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: nextDuration++ });
    const answer = await fetch(`${broker.url}/api/v1/credentials`, { method: 'POST', headers, body });
    const json = await answer.json();
    if (answer.status !== 200 || json.cached !== false) throw new Error(`not a cold answer: ${answer.status} ${JSON.stringify(json)}`);
  });

  // rolegate's CPU per cold request (user + system, its whole process; /proc ticks of 10 ms): what it costs on a free core.
  const rolegateCpuMs = (cpuMs(broker.pid) - rolegateCpuBefore) / (REQUESTS + WARM_UP);

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
  const baseline = await sample(async () => {
    const answer = await fetch(baselineUrl, { method: 'POST', headers, body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }) });
    await answer.text();
  });

  const ours = summary(rolegate);
  const base = summary(baseline);
  console.log(`cold POST /api/v1/credentials, ${REQUESTS} requests one at a time (after ${WARM_UP} warm-up), devstack STS`);
  console.log('target                                     total p50  STS p50  own p50  own p90  own p99   (ms)');
  for (const [name, s] of [
    ['baseline: node:http + the same STS call', base],
    ['rolegate POST /api/v1/credentials (cold)', ours],
  ]) {
    console.log(
      `${name.padEnd(42)} ${s.total.toFixed(2).padStart(9)}  ${s.sts.toFixed(2).padStart(7)}  ${s.p50.toFixed(2).padStart(7)}  ${s.p90.toFixed(2).padStart(7)}  ${s.p99.toFixed(2).padStart(7)}`,
    );
  }
  console.log(
    `rolegate's own time p50: ${ours.p50.toFixed(2)} ms (target ≤ 3 ms: ${ours.p50 <= 3 ? 'met' : 'NOT met'}); baseline's ${base.p50.toFixed(2)} ms; rolegate beyond the baseline: ${(ours.p50 - base.p50).toFixed(2)} ms, ratio ${(ours.p50 / base.p50).toFixed(1)}×`,
  );
  console.log(
    `rolegate CPU per cold request: ${rolegateCpuMs.toFixed(2)} ms (wall-clock own time above this is waiting: PostgreSQL commits, Redis round trips, a busy machine)`,
  );
  console.log(`STS calls: ${broker.stsCalls()} (one per cold request, plus the baseline's)`);

  /** Times `request` REQUESTS times; each sample is { total, sts } in ms, STS time measured at the proxy. */
  async function sample(request) {
    for (let i = 0; i < WARM_UP; i++) await request();
    const samples = [];
    for (let i = 0; i < REQUESTS; i++) {
      const stsBefore = broker.stsMs();
      const started = performance.now();
      await request();
      const total = performance.now() - started;
      samples.push({ total, sts: broker.stsMs() - stsBefore });
    }
    return samples;
  }
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

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

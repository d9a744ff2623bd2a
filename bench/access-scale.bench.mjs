// Issue 15: rolegate with a large company's access model, beside the demo's, in the same run.
// Two brokers side by side (real PostgreSQL and Redis, devstack IdP and STS): "small" applies
// config/demo-access.yaml at start-up, "large" the generated company (bench/fixtures/large-company.mjs:
// 2,000 accounts × 10 roles, 5,000 mappings over 1,000 groups, alice entitled to ~500 roles, `wide`
// in 100 groups) over the demo model. Measured:
//  (a) start-up applying the file (ROLEGATE_ACCESS_FILE), target ≤ 10 s;
//  (b) cached POST /api/v1/credentials at 64 connections: large within 10% of small;
//  (c) GET /api/v1/roles p50 / p99 and body size, target p99 ≤ 20 ms;
//  (d) reloads of the large model under load: the event-loop delay inside rolegate
//      (its own monitorEventLoopDelay, /metrics) with and without reloads, and what a load costs;
//  (e) access as code through the admin API with the body `rolegate apply` sends, and with the CLI
//      itself (`rolegate apply -f`, signed in through the loopback OAuth flow): the whole file from
//      (nearly) nothing, target ≤ 10 s; a plan of one changed line, target ≤ 2 s; +5,000 roles with
//      5k / 10k / 15k stored (cost must follow the changes, not changes × stored); a 25 MB file
//      (10,400 accounts) planned and applied (accepted under the 64 MiB default limit).
// Every row prints its target, the baseline measured in this run and the ratio.
// BENCH_SECONDS (default 5) per load row.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startBenchBroker } from './broker-fixture.mjs';
import { largeCompany, renderAccessFile } from './fixtures/large-company.mjs';
import { cpuMs, load, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const demoFile = path.join(root, 'config/demo-access.yaml');
const demo = parse(readFileSync(demoFile, 'utf8'));
const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-bench-scale-'));
const company = (accounts) => largeCompany({ accounts, mappings: accounts * 2.5, aliceRoles: accounts / 4, base: demo });
const { document, people } = company(2000);
const largeYaml = renderAccessFile(document);
const largeFile = path.join(dir, 'large-company.yaml');
writeFileSync(largeFile, largeYaml);
// `wide`: 99 of the company's groups and aws-dev (so sandbox/Developer can be exchanged once and then served from the cache).
const wide = { id: 'wide', groups: [...people.wide.groups.slice(0, 99), 'aws-dev'] };

const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
try {
  console.log(
    `large company: ${document.accounts.length} accounts, ${document.roles.length} roles, ${document.mappings.length} mappings, file ${(Buffer.byteLength(largeYaml) / 1e6).toFixed(1)} MB; ${DURATION} s per load row; the machine is shared, compare rows of this run`,
  );
  const small = await startBenchBroker(root, { accessFile: demoFile, extraUsers: [wide] });
  cleanups.push(() => small.close());
  const large = await startBenchBroker(root, { accessFile: largeFile, extraUsers: [wide] });
  cleanups.push(() => large.close());
  console.log(
    `\n(a) start-up applying the access file (spawn to listening): large ${large.startMs} ms (rolegate CPU ${large.startCpuMs} ms); baseline small ${small.startMs} ms (CPU ${small.startCpuMs} ms): ${(large.startMs / small.startMs).toFixed(2)}× small; target ≤ 10,000 ms: ${(large.startMs / 10_000).toFixed(2)} of it`,
  );

  const users = {};
  for (const [name, broker] of [
    ['small', small],
    ['large', large],
  ]) {
    for (const user of ['alice', 'wide']) users[`${name}/${user}`] = { broker, session: await broker.signIn(user) };
  }
  const ask = ({ session }) => ({
    method: 'POST',
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
  });
  for (const user of Object.values(users)) {
    const warm = await fetch(`${user.broker.url}/api/v1/credentials`, ask(user));
    if (warm.status !== 200) throw new Error(`warm-up failed: ${warm.status} ${await warm.text()}`);
  }

  // (b) cached credentials. A short load of each first (not measured): the first row would otherwise pay for the JIT's warm-up.
  for (const key of ['small/alice', 'large/alice', 'large/wide']) {
    const user = users[key];
    await load(`${user.broker.url}/api/v1/credentials`, { connections: 64, duration: Math.min(2, DURATION), ...ask(user) });
  }
  const rows = [];
  for (const key of ['small/alice', 'large/alice', 'large/wide', 'small/alice']) {
    const user = users[key];
    rows.push({
      name: `${key} (${key.startsWith('small') ? '8' : '20,008'} roles)`,
      ...(await load(`${user.broker.url}/api/v1/credentials`, { connections: 64, duration: DURATION, pid: user.broker.pid, ...ask(user) })),
    });
  }
  console.log(`\n(b) cached POST /api/v1/credentials, 64 connections (small measured first and last)`);
  console.log(table(rows));
  const smallRps = (rows[0].requestsPerSecond + rows[3].requestsPerSecond) / 2;
  console.log(
    `large/small throughput: alice ${(rows[1].requestsPerSecond / smallRps).toFixed(2)}, wide ${(rows[2].requestsPerSecond / smallRps).toFixed(2)} (target ≥ 0.90); CPU per request large/small: ${(rows[1].cpuUsPerRequest / ((rows[0].cpuUsPerRequest + rows[3].cpuUsPerRequest) / 2)).toFixed(2)}×`,
  );

  // (c) GET /api/v1/roles
  const roleRows = [];
  for (const key of ['small/alice', 'large/alice', 'large/wide']) {
    const user = users[key];
    const headers = { cookie: user.session.cookie };
    const body = await (await fetch(`${user.broker.url}/api/v1/roles`, { headers })).text();
    const roles = JSON.parse(body).accounts.reduce((n, a) => n + a.roles.length + a.denied.length, 0);
    roleRows.push({
      name: `${key}: ${roles} roles, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB`,
      ...(await load(`${user.broker.url}/api/v1/roles`, { connections: 4, duration: DURATION, pid: user.broker.pid, headers })),
    });
  }
  console.log(`\n(c) GET /api/v1/roles, 4 connections (target p99 ≤ 20 ms; baseline: the small model's row)`);
  console.log(table(roleRows));
  for (const row of roleRows.slice(1)) {
    console.log(
      `${row.name.split(':')[0]}: p99 ${row.p99} ms = ${(row.p99 / 20).toFixed(2)} of the target, ${(row.p99 / Math.max(1, roleRows[0].p99)).toFixed(1)}× the small model's p99; CPU ${(row.cpuUsPerRequest / roleRows[0].cpuUsPerRequest).toFixed(2)}× per request`,
    );
  }
  const answers = await large.metrics();
  console.log(
    `answers reused ${answers['rolegate_roles_answers_total{result="reused"}']}, decided ${answers['rolegate_roles_answers_total{result="decided"}']}, holding ${(answers['rolegate_roles_answers_bytes'] / 1024).toFixed(0)} KB`,
  );

  // (d) reloads under load
  const lag = (m) => ({
    max: Math.round(m['rolegate_nodejs_eventloop_lag_max_seconds'] * 1000),
    p99: Math.round(m['rolegate_nodejs_eventloop_lag_p99_seconds'] * 1000),
  });
  const aliceLarge = users['large/alice'];
  const underLoad = async (reloads) => {
    await large.metrics(); // resets the delay histogram
    const run = load(`${large.url}/api/v1/credentials`, { connections: 64, duration: DURATION, pid: large.pid, ...ask(aliceLarge) });
    for (let i = 0; i < reloads; i++) {
      await new Promise((resolve) => setTimeout(resolve, (DURATION * 1000) / (reloads + 1)));
      await large.announceAccessChange();
    }
    const result = await run;
    return { ...result, lag: lag(await large.metrics()) };
  };
  const quiet = await underLoad(0);
  const reloading = await underLoad(3);
  const m = await large.metrics();
  console.log(`\n(d) event-loop delay inside rolegate (large) under 64 connections of cached credentials`);
  console.log(
    `no reload:      ${quiet.requestsPerSecond} req/s, p99 ${quiet.p99} ms, event-loop delay max ${quiet.lag.max} ms, p99 ${quiet.lag.p99} ms`,
  );
  console.log(
    `3 full reloads: ${reloading.requestsPerSecond} req/s, p99 ${reloading.p99} ms, event-loop delay max ${reloading.lag.max} ms, p99 ${reloading.lag.p99} ms (target: max ≲ 50 ms, ${(reloading.lag.max / 50).toFixed(2)} of it; ${(reloading.lag.max / Math.max(1, quiet.lag.max)).toFixed(2)}× the no-reload baseline's max, throughput ${(reloading.requestsPerSecond / quiet.requestsPerSecond).toFixed(2)} of it)`,
  );
  const smallMetrics = await small.metrics();
  console.log(
    `last load: read ${Math.round(m['rolegate_access_model_load_seconds{phase="read"}'] * 1000)} ms, index ${Math.round(m['rolegate_access_model_load_seconds{phase="index"}'] * 1000)} ms, heap delta ${(m['rolegate_access_model_heap_delta_bytes'] / 1e6).toFixed(0)} MB; rolegate heap used ${(m['rolegate_nodejs_heap_size_used_bytes'] / 1e6).toFixed(0)} MB (small: ${(smallMetrics['rolegate_nodejs_heap_size_used_bytes'] / 1e6).toFixed(0)} MB)`,
  );
  const heap = JSON.parse(
    spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench/access-model-heap.mjs'), '2000'], { encoding: 'utf8' }).stdout,
  );
  console.log(
    `model memory: rolegate_access_model_bytes ${(m['rolegate_access_model_bytes'] / 1e6).toFixed(1)} MB (small model ${(smallMetrics['rolegate_access_model_bytes'] / 1e3).toFixed(0)} KB); the same version measured with forced GCs in a process of its own ${(heap.measuredBytes / 1e6).toFixed(1)} MB: reported/measured ${(m['rolegate_access_model_bytes'] / heap.measuredBytes).toFixed(2)}`,
  );

  // (e) access as code on the small broker, as bob, with the body `rolegate apply` sends, and with the CLI itself.
  const bob = await small.signIn('bob');
  const timed = async (run) => {
    const started = performance.now();
    const cpuBefore = cpuMs(small.pid);
    const note = await run();
    return { ms: Math.round(performance.now() - started), cpu: Math.round(cpuMs(small.pid) - cpuBefore), note };
  };
  const call = (route, yaml) =>
    timed(async () => {
      const res = await fetch(`${small.url}/api/v1/admin/access/${route}`, {
        method: 'POST',
        headers: { cookie: bob.cookie, 'x-csrf-token': bob.csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ yaml, source: 'company.yaml' }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${route} answered ${res.status}: ${text.slice(0, 500)}`);
      const { summary } = JSON.parse(text);
      return `+${summary.add} ~${summary.change} -${summary.remove}, answer ${(Buffer.byteLength(text) / 1e6).toFixed(1)} MB`;
    });
  const { writeTokens } = await import(path.join(root, 'dist/cli/token-store.js'));
  const configDir = path.join(dir, 'cli');
  writeTokens({ tokens: path.join(configDir, 'tokens.json') }, await small.cliTokens(bob));
  const cli = (file) =>
    timed(
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'apply', '-f', file], {
            env: { PATH: process.env.PATH, HOME: dir, ROLEGATE_CONFIG_DIR: configDir, ROLEGATE_URL: small.url },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk) => (out += chunk));
          child.stderr.on('data', (chunk) => (err += chunk));
          child.on('exit', (code) =>
            code === 0
              ? resolve(`exit 0, ${(out.length / 1e6).toFixed(1)} MB printed: ${out.trim().split('\n').pop()}`)
              : reject(new Error(`rolegate apply exited ${code}: ${err.slice(0, 500)}`)),
          );
        }),
    );
  const show = (label, r, target, baseline) =>
    console.log(
      `${label.padEnd(44)} ${String(r.ms).padStart(6)} ms, rolegate CPU ${String(r.cpu).padStart(5)} ms (${r.note})` +
        (baseline ? `; baseline ${baseline.label} ${baseline.r.ms} ms: ${(r.ms / baseline.r.ms).toFixed(2)}×` : '') +
        (target ? `; target ≤ ${target.toLocaleString('en')} ms: ${(r.ms / target).toFixed(2)} of it` : ''),
    );
  const changed = largeYaml.replace('description: "Developer in payments account 0"', 'description: "Developer, edited"');
  const demoYaml = readFileSync(demoFile, 'utf8');
  console.log(`\n(e) access as code (small broker): through the admin API (JSON {yaml}, as rolegate apply sends), and with rolegate apply`);
  await small.metrics();
  const whole = await call('apply', largeYaml);
  show('API: apply the large file over the demo model', whole, 10_000);
  console.log(
    `  event-loop delay during it: max ${lag(await small.metrics()).max} ms (files of 256 KB or more are parsed on a worker; the diff and the answer run on the loop)`,
  );
  const noChange = await call('plan', largeYaml);
  show('API: plan the same file (nothing to do)', noChange, 2_000);
  show('API: plan one changed line', await call('plan', changed), 2_000, { label: 'plan of no change', r: noChange });
  show('API: apply one changed line', await call('apply', changed), 2_000, { label: 'plan of no change', r: noChange });
  const removed = await call('apply', demoYaml);
  show('API: apply the demo file (remove the company)', removed);
  show('rolegate apply -f large file over the demo', await cli(largeFile), 10_000, { label: 'the API apply', r: whole });
  show('rolegate apply -f demo file (remove it)', await cli(demoFile), undefined, { label: 'the API apply', r: removed });
  let first;
  for (const accounts of [500, 1000, 1500, 2000]) {
    const r = await call('apply', renderAccessFile(company(accounts).document));
    first ??= r;
    show(`API: apply ${String(accounts).padStart(4)} accounts (${String((accounts - 500) * 10).padStart(5)} roles stored)`, r, undefined, {
      label: '0 stored',
      r: first,
    });
  }
  const huge = largeCompany({ accounts: 10_400, mappings: 26_000, aliceRoles: 2600, base: demo }).document;
  const hugeYaml = renderAccessFile(huge);
  console.log(`a company's file of ${(Buffer.byteLength(hugeYaml) / 1e6).toFixed(1)} MB (${huge.roles.length} roles, ${huge.mappings.length} mappings), limit 64 MiB:`);
  const hugePlan = await call('plan', hugeYaml);
  show('API: plan it over the 2,000-account model', hugePlan, undefined, { label: 'the 4.8 MB file', r: whole });
  show('API: apply it', await call('apply', hugeYaml), undefined, { label: 'the 4.8 MB file', r: whole });
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

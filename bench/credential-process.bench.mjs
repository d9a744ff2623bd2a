// `rolegate credential-process` wall time beside `node -e 0`, measured in the
// same run, interleaved (issue 7 targets):
//   warm local cache                                  ≤ 1.5× node -e 0
//   cold local cache, broker's own cache warm         ≤ 2.5× node -e 0
// Against rolegate built (dist/main.js) on the real PostgreSQL and Redis with
// the devstack's demo IdP and local STS; the CLI signs in with the device
// flow, the code confirmed on the portal as alice.
// Beside wall time, the CPU each run used (user + system of the CLI process:
// what a loaded machine hardly moves). With BENCH_COMPARE_DIST=<dir> (a build
// of another commit), that build's CLI too, same broker, same run, interleaved.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBenchBroker } from './broker-fixture.mjs';
import { endedChildrenCpuMs, textTable } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'dist/cli/main.js');
const runs = Number(process.env.BENCH_RUNS ?? 40);

const broker = await startBenchBroker(root);
try {
  const home = mkdtempSync(path.join(tmpdir(), 'rolegate-bench-cp-'));
  const configDir = path.join(home, 'rolegate');
  mkdirSync(configDir, { mode: 0o700 });
  const env = { PATH: process.env.PATH, HOME: home, ROLEGATE_CONFIG_DIR: configDir };
  await cliLogin(env, broker);

  const args = [cli, 'credential-process', '--account', 'sandbox', '--role', 'Developer'];
  // Warms the broker's own cache. Not spawnSync: the devstack's STS lives in this process and must answer meanwhile.
  const warmUp = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let warmUpErr = '';
  warmUp.stderr.on('data', (chunk) => (warmUpErr += chunk));
  const warmUpCode = await new Promise((resolve) => warmUp.once('close', resolve));
  if (warmUpCode !== 0) throw new Error(`credential-process failed: ${warmUpErr}`);
  const cacheDir = path.join(configDir, 'cache');
  const clearCache = () => {
    for (const f of readdirSync(cacheDir)) rmSync(path.join(cacheDir, f), { force: true });
  };

  const targets = [
    { name: 'node -e 0', args: ['-e', '0'], goal: '' },
    { name: 'credential-process, warm local cache', args, goal: '≤ 1.50' },
    { name: 'credential-process, cold local cache', args, before: clearCache, goal: '≤ 2.50' },
  ];
  if (process.env.BENCH_COMPARE_DIST) {
    const other = [path.resolve(root, process.env.BENCH_COMPARE_DIST, 'cli/main.js'), ...args.slice(1)];
    targets.push(
      { name: `warm local cache, ${process.env.BENCH_COMPARE_DIST}`, args: other, goal: '' },
      { name: `cold local cache, ${process.env.BENCH_COMPARE_DIST}`, args: other, before: clearCache, goal: '' },
    );
  }
  const samples = new Map(targets.map((t) => [t.name, []]));
  const cpu = new Map(targets.map((t) => [t.name, 0]));
  for (let i = 0; i < runs; i++) {
    for (const target of targets) {
      target.before?.();
      const cpuBefore = endedChildrenCpuMs();
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, target.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      cpu.set(target.name, cpu.get(target.name) + endedChildrenCpuMs() - cpuBefore);
      if (result.status !== 0) throw new Error(`${target.name} failed: ${result.stderr}`);
      samples.get(target.name).push(ms);
    }
  }
  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  };
  const base = pct(samples.get('node -e 0'), 50);
  const baseCpu = cpu.get('node -e 0') / runs;
  const header = ['target', 'median ms', 'p90 ms', '× node -e 0', 'target', 'CPU ms/run', 'CPU × node'];
  const rows = targets.map((t) => {
    const v = samples.get(t.name);
    const cpuMs = cpu.get(t.name) / runs;
    return [
      t.name,
      pct(v, 50).toFixed(1),
      pct(v, 90).toFixed(1),
      (pct(v, 50) / base).toFixed(2),
      t.goal,
      cpuMs.toFixed(1),
      (cpuMs / baseCpu).toFixed(2),
    ];
  });
  console.log(textTable(header, rows));
  // How much of the cold run is the broker's answer itself (the CLI's --debug line times the request).
  const brokerMs = [];
  for (let i = 0; i < 10; i++) {
    clearCache();
    const debug = spawnSync(process.execPath, [...args, '--debug'], { env, encoding: 'utf8' });
    const match = /POST \S+\/api\/v1\/credentials → 200 in (\d+) ms/.exec(debug.stderr);
    if (match) brokerMs.push(Number(match[1]));
  }
  console.log(
    `cold runs: POST /api/v1/credentials took ${pct(brokerMs, 50)} ms of the wall time (median of ${brokerMs.length} --debug runs)`,
  );
  console.log(
    `(${String(runs)} interleaved runs each, Node ${process.version}; cold = cache files deleted before each run, broker cache warm; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
  );
} finally {
  await broker.close();
}
process.exit(0);

/** `rolegate login --no-browser`, the code confirmed on the portal by alice's browser session. */
async function cliLogin(env, b) {
  const child = spawn(process.execPath, [cli, 'login', '--broker', b.url, '--no-browser', '--device-name', 'bench'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  const userCode = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /enter the code:\s+([A-Z]{4}-[A-Z]{4})/.exec(stderr);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`login exited ${code}: ${stderr}`)));
  });
  const alice = await b.signIn('alice');
  const page = await (
    await fetch(`${b.url}/device?user_code=${userCode}`, { headers: { cookie: alice.cookie, accept: 'text/html' } })
  ).text();
  const field = (name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
  const confirmed = await fetch(`${b.url}/device`, {
    method: 'POST',
    headers: { cookie: alice.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: b.url },
    body: new URLSearchParams({ _csrf: field('_csrf'), user_code: field('user_code'), decision: 'approve' }),
  });
  if (confirmed.status !== 200) throw new Error(`confirming the code failed: ${confirmed.status}`);
  const code = await new Promise((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`login failed: ${stderr}`);
}

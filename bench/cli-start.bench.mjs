// Start-up cost of the rolegate CLI beside `node -e 0`, measured in the same
// run, interleaved (so machine noise hits every row alike). The
// credential-process budget is 1.5× node's bare start-up with a warm local
// cache, 2.5× with a cold one against a cached broker (issue 7).
//
// Rows:
//   node -e 0                    the floor
//   credential-process (warm)    the fast path answering from the local cache (no commander, no zod, no network)
//   fast path + getAccessToken   loading the cold-path auth modules and reading a fresh token (no network)
//   rolegate --version           the commander path (every other command)
// With BENCH_COMPARE_DIST=<dir>, the same rows for another build's CLI, same run.
// Beside wall time, each row's CPU per run (user + system of the process), which a loaded machine hardly moves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { endedChildrenCpuMs, textTable } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'dist/cli/main.js');
const runs = Number(process.env.BENCH_RUNS ?? 40);

const home = mkdtempSync(path.join(tmpdir(), 'rolegate-bench-'));
const configDir = path.join(home, 'rolegate');
const env = { PATH: process.env.PATH, HOME: home, ROLEGATE_CONFIG_DIR: configDir };
// A signed-in config dir whose access token is fresh: getAccessToken answers from the file.
spawnSync(process.execPath, [cli, 'logout'], { env });
writeFileSync(
  path.join(configDir, 'tokens.json'),
  JSON.stringify({
    version: 1,
    broker: 'http://127.0.0.1:9',
    clientId: 'rolegate-cli',
    accessToken: 'rgat_00000000000000000000000000000000_' + 'A'.repeat(43),
    accessTokenExpiresAt: Date.now() + 3_600_000,
    refreshToken: 'rgrt_' + 'B'.repeat(43),
    refreshTokenExpiresAt: Date.now() + 7_200_000,
    deviceName: 'bench',
    obtainedAt: Date.now(),
  }),
  { mode: 0o600 },
);
// A cached answer for sandbox/Dev with an hour left: credential-process prints it without the network.
const { cacheFileFor, cacheKeyOf, writeCachedCredentials } = await import(path.join(root, 'dist/cli/credential-cache.js'));
const cacheRequest = { broker: 'http://127.0.0.1:9', account: '111111111111', role: 'Dev' };
writeCachedCredentials(cacheFileFor(path.join(configDir, 'cache'), cacheRequest), {
  key: cacheKeyOf(cacheRequest),
  credentials: {
    Version: 1,
    AccessKeyId: 'ASIA' + 'A'.repeat(16),
    SecretAccessKey: 'S'.repeat(40),
    SessionToken: 'T'.repeat(800),
    Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  },
  obtainedAt: Date.now(),
});
const tokenScript = `
  const { createCliContext } = await import(${JSON.stringify(path.join(root, 'dist/cli/cli-context.js'))});
  const { getAccessToken } = await import(${JSON.stringify(path.join(root, 'dist/cli/access-token.js'))});
  await import(${JSON.stringify(path.join(root, 'dist/cli/api-client.js'))});
  await getAccessToken(createCliContext({ brokerFlag: 'http://127.0.0.1:9' }));`;

const targets = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'credential-process (warm)', args: [cli, 'credential-process', '--account', '111111111111', '--role', 'Dev'] },
  { name: 'fast path + getAccessToken', args: ['--input-type=module', '-e', tokenScript] },
  { name: 'rolegate --version', args: [cli, '--version'] },
];
// BENCH_COMPARE_DIST=<dir> (a build of another commit, e.g. tmp/before/dist): its CLI's rows too, interleaved in the same run.
if (process.env.BENCH_COMPARE_DIST) {
  const other = path.resolve(root, process.env.BENCH_COMPARE_DIST, 'cli/main.js');
  targets.push(
    {
      name: `credential-process (warm), ${process.env.BENCH_COMPARE_DIST}`,
      args: [other, 'credential-process', '--account', '111111111111', '--role', 'Dev'],
    },
    { name: `rolegate --version, ${process.env.BENCH_COMPARE_DIST}`, args: [other, '--version'] },
  );
}

const samples = new Map(targets.map((t) => [t.name, []]));
const cpu = new Map(targets.map((t) => [t.name, 0]));
for (let i = 0; i < runs; i++) {
  for (const target of targets) {
    const cpuBefore = endedChildrenCpuMs();
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, target.args, { env, stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    cpu.set(target.name, cpu.get(target.name) + endedChildrenCpuMs() - cpuBefore);
    if (target.name !== 'node -e 0' && result.status !== 0)
      throw new Error(`${target.name} failed in the bench (exit ${String(result.status)})`);
    samples.get(target.name).push(ms);
  }
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const base = pct(samples.get('node -e 0'), 50);
const baseCpu = cpu.get('node -e 0') / runs;
const header = ['target', 'median ms', 'p90 ms', '× node -e 0', 'CPU ms/run', 'CPU × node'];
const rows = targets.map((t) => {
  const v = samples.get(t.name);
  const cpuMs = cpu.get(t.name) / runs;
  return [
    t.name,
    pct(v, 50).toFixed(1),
    pct(v, 90).toFixed(1),
    (pct(v, 50) / base).toFixed(2),
    cpuMs.toFixed(1),
    (cpuMs / baseCpu).toFixed(2),
  ];
});
console.log(textTable(header, rows));
console.log(
  `(${String(runs)} interleaved runs each, Node ${process.version}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`,
);

import pg from 'pg';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/**
 * Runs autocannon against `url` and returns the figures we report. With `pid`,
 * also the server process's CPU time per request (user + system, from
 * /proc): unlike throughput, it hardly moves when other work shares the machine.
 */
export async function load(url, { connections = 64, duration = 10, method = 'GET', headers = {}, body, pid } = {}) {
  const cpuBefore = pid ? cpuMs(pid) : 0;
  const result = await autocannon({ url, connections, duration, method, headers, body });
  const served = result.requests.total;
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuUsPerRequest: pid && served > 0 ? Math.round(((cpuMs(pid) - cpuBefore) * 1000) / served) : undefined,
  };
}

/** CPU time a process has used so far, in ms (Linux). */
export function cpuMs(pid) {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

/** User and system CPU time a process has used so far, in ms (Linux; clock ticks of 10 ms). */
export function cpuSplitMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: (Number(fields[11]) * 1000) / 100, system: (Number(fields[12]) * 1000) / 100 };
}

/**
 * CPU time (user + system, ms) each kind of thread of a process has used so far, by the thread's
 * name (/proc/<pid>/task/<tid>/comm: Node's MainThread, WorkerThread for a worker_threads
 * worker, V8Worker for V8's background GC and compiler threads, libuv-worker…), summed per name.
 */
export function threadCpuMs(pid) {
  const byName = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      byName[name] = (byName[name] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      // The thread ended between the listing and the read: its time is gone from the process's figure too.
    }
  }
  return byName;
}

/**
 * CPU time (user + system, ms) of this process's children that have ended and been waited for
 * (spawnSync's), from /proc/self/stat (Linux; ticks of 10 ms, so sum many runs).
 */
export function endedChildrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

export function table(rows) {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req'];
  return textTable(
    header,
    rows.map((r) => [r.name, r.requestsPerSecond, r.p50, r.p99, r.errors, r.cpuUsPerRequest ?? '-'].map(String)),
  );
}

/** Columns padded to their widest cell, under the header and a rule. */
export function textTable(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

/**
 * Starts a Node script as a child process and resolves with the first match of
 * `ready` in its stdout (e.g. the URL it listens on). With `ipc`, the child has
 * an IPC channel (child.send, 'message' events).
 */
export function startChild(file, { args = [], env = {}, ready, cwd, nodeArgs = [], ipc = false } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, file, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  // A bench that stops early (an error, Ctrl-C, process.exit) must not leave servers running.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-4000)));
  const started = new Promise((resolve, reject) => {
    const watch = (chunk) => {
      out += chunk;
      const match = out.match(ready);
      if (!match) return;
      // Stop reading what it prints: a server logging a line per request would
      // otherwise make this process (the load generator) scan its log all run long.
      child.stdout.off('data', watch);
      child.stdout.resume();
      out = '';
      resolve(match[1]);
    };
    child.stdout.on('data', watch);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}: ${err.slice(-2000)}`)));
  });
  return { child, started, stop: () => child.kill('SIGTERM') };
}

/** One statement on the PostgreSQL the benches administer from (CREATE / DROP DATABASE). */
export async function adminSql(sql, url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres') {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** CPU time so far of the PostgreSQL backends connected to database `name` (this machine's /proc). */
export async function postgresCpuMs(name, url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres') {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
    return rows.reduce((sum, row) => {
      try {
        return sum + cpuMs(row.pid);
      } catch {
        return sum; // ended meanwhile
      }
    }, 0);
  } finally {
    await client.end();
  }
}

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freeRestartablePort } from './ports.js';
import type { TestCertificates } from './test-certificates.js';
import { waitFor } from './wait.js';

/** The newest PostgreSQL server binaries installed the Debian way (/usr/lib/postgresql/<major>/bin). */
function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d)) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, newest, 'bin');
}

/**
 * A PostgreSQL cluster of this test's own (initdb in a temporary directory,
 * an ephemeral loopback port), so a test can crash it and start it again
 * without touching the PostgreSQL every other test shares. PostgreSQL refuses
 * to run as root, so under root it runs as the `postgres` user.
 */
export class PrivatePostgres {
  #child: ChildProcess | undefined;
  readonly #bin = serverBinaries();
  /** Under root, the postgres user's ids (PostgreSQL refuses to run as root). */
  readonly #user = process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : {};

  /** Server settings beyond the defaults (`-c name=value`). */
  #settings: string[] = [];

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** With `tls`, the server also accepts TLS (ssl=on) with these test certificates; plain connections still work. */
  static async start(options: { tls?: TestCertificates } = {}): Promise<PrivatePostgres> {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-pg-'));
    const cluster = new PrivatePostgres(dir, await freeRestartablePort());
    const user = cluster.#user;
    if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
    if (options.tls) {
      // PostgreSQL wants its key owned by the server's user and unreadable by others.
      for (const [from, to] of [
        [options.tls.certFile, 'server.crt'],
        [options.tls.keyFile, 'server.key'],
      ] as const) {
        copyFileSync(from, path.join(dir, to));
        chmodSync(path.join(dir, to), 0o600);
        if (user.uid !== undefined) chownSync(path.join(dir, to), user.uid, user.gid);
      }
      cluster.#settings = ['ssl=on', `ssl_cert_file=${path.join(dir, 'server.crt')}`, `ssl_key_file=${path.join(dir, 'server.key')}`];
    }
    execFileSync(cluster.#binary('initdb'), ['-D', cluster.#data, '-U', 'postgres', '-A', 'trust', '-N', '--no-instructions'], {
      stdio: 'ignore',
      ...user,
    });
    process.once('exit', () => cluster.#kill());
    await cluster.restart();
    const admin = new pg.Client({ connectionString: cluster.urlOf('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE rolegate');
    await admin.end();
    return cluster;
  }

  get #data(): string {
    return path.join(this.dir, 'data');
  }

  /** The database `rolegate` (or another) on this cluster, reached directly or through `host` (e.g. a proxy). */
  urlOf(database = 'rolegate', host = `127.0.0.1:${String(this.port)}`): string {
    return `postgresql://postgres@${host}/${database}`;
  }

  /**
   * Starts the server (after a crash: with crash recovery) and waits until it
   * accepts queries. Right after a SIGKILL the old postmaster's leftovers can
   * still be in the way for a moment on a loaded machine (a backend not yet
   * reaped still holds the shared memory block; the stale postmaster.pid names
   * a PID the kernel has handed to another process): PostgreSQL then exits at
   * once, and this starts it again. Any other early exit fails with its log.
   */
  async restart(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 1; ; attempt++) {
      const exited = this.#spawn();
      const outcome = await Promise.race([exited.then((code) => ({ exited: code })), this.#untilReady(deadline, exited)]);
      if (!('exited' in outcome)) return;
      const log = this.#logTail();
      const leftover = /lock file "postmaster\.pid" already exists|pre-existing shared memory block .* is still in use|could not bind|Address already in use/i;
      if (!leftover.test(log) || Date.now() > deadline) {
        throw new Error(`the private PostgreSQL exited (${String(outcome.exited)}) on start attempt ${String(attempt)}:\n${log}`);
      }
      // The crashed server is gone (crash() waited for it), so its lock file is stale whatever PID it names.
      if (/lock file/i.test(log)) rmSync(path.join(this.#data, 'postmaster.pid'), { force: true });
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }

  /** Spawns the postmaster; resolves with its exit code or signal when it exits. */
  #spawn(): Promise<number | string> {
    const args = [
      '-D',
      this.#data,
      '-p',
      String(this.port),
      '-h',
      '127.0.0.1',
      '-k',
      this.dir,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
      ...this.#settings.flatMap((setting) => ['-c', setting]),
    ];
    // Its own process group, so a crash takes the server and every backend down at once.
    const log = openSync(path.join(this.dir, 'server.log'), 'a');
    const child = spawn(this.#binary('postgres'), args, { detached: true, stdio: ['ignore', log, log], ...this.#user });
    closeSync(log);
    this.#child = child;
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  }

  /** Resolves once the server answers a query; stops trying once `exited` settles (the caller sees that). */
  async #untilReady(deadline: number, exited: Promise<unknown>): Promise<{ ready: true }> {
    const state = { exited: false };
    void exited.then(() => (state.exited = true));
    let lastError: unknown;
    while (!state.exited) {
      const client = new pg.Client({ connectionString: this.urlOf('postgres'), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return { ready: true };
      } catch (error) {
        lastError = error;
      } finally {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        const reason = lastError instanceof Error ? lastError.message : String(lastError);
        throw new Error(`timed out waiting for the private PostgreSQL on port ${String(this.port)} (last error: ${reason}):\n${this.#logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return new Promise(() => undefined); // the race is decided by the exit
  }

  #logTail(): string {
    try {
      return readFileSync(path.join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no server.log)';
    }
  }

  /** SIGKILL to the server and all its backends: connections drop without a goodbye; the next start recovers. */
  async crash(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    this.#kill();
    await exited;
    // The backends are in the same group: wait until every one of them has died (it then no
    // longer holds the shared memory block) and the port is free for the next start.
    const group = child.pid;
    if (group !== undefined) await waitFor(() => (liveMembersOf(group) === 0 ? true : undefined), 'the crashed PostgreSQL backends to die', 10_000);
    await waitFor(() => portIsFree(this.port), 'the crashed PostgreSQL to release its port', 10_000);
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #kill(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  #binary(program: string): string {
    return path.join(this.#bin, program);
  }
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres']).toString());
}

/** How many processes of process group `group` are still alive (zombies have already let go of their memory). */
function liveMembersOf(group: number): number {
  let live = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may contain spaces, so read after its closing parenthesis.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z' && state !== 'X') live++;
  }
  return live;
}

async function portIsFree(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(undefined));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * What PostgreSQL answers while it replays its WAL after a crash: every
 * connection gets FATAL 57P03 "the database system is starting up" (on the
 * port the real server will use once it is ready). Recovery of a test-sized
 * cluster is too quick to observe, and a production one can take minutes.
 */
export async function startingUpServer(port: number): Promise<{ connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8) {
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        buffered = buffered.subarray(length);
        if (code === 80877103 || code === 80877104) {
          socket.write('N'); // SSLRequest / GSSENCRequest: not here
          continue;
        }
        socket.end(errorResponse('57P03', 'the database system is starting up'));
        return;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A protocol v3 ErrorResponse message (https://www.postgresql.org/docs/current/protocol-error-fields.html). */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', sqlState],
      ['M', message],
    ].map(([type, value]) => Buffer.from(`${String(type)}${String(value)}\0`, 'utf8')),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeRestartablePort } from './ports.js';
import type { TestCertificates } from './test-certificates.js';
import { waitFor } from './wait.js';

export interface DisposableRedisOptions {
  /** Serve TLS only (on the port), with these test certificates. */
  tls?: TestCertificates;
  /** More redis-server arguments, e.g. ACL users (`--user alice on >pw ~* +@all`). */
  args?: readonly string[];
}

/**
 * A private redis-server on a loopback port of its own, so a test can kill it
 * and bring it back without disturbing the shared Redis other tests use.
 */
export class DisposableRedis {
  #child: ChildProcess | undefined;
  /** Its own data directory: a replica's full sync writes dump.rdb there, never into the working directory. */
  readonly #dir = mkdtempSync(join(tmpdir(), 'rolegate-redis-'));
  private constructor(
    readonly port: number,
    readonly options: DisposableRedisOptions,
  ) {}

  static async start(options: DisposableRedisOptions = {}): Promise<DisposableRedis> {
    const redis = new DisposableRedis(await freeRestartablePort(), options);
    await redis.restart();
    return redis;
  }

  /** redis://127.0.0.1:port, or rediss://localhost:port (the certificate's name) with TLS; `credentials` is `user:password`. */
  get url(): string {
    return this.urlWith();
  }

  urlWith(credentials?: string): string {
    const host = this.options.tls ? `rediss://localhost` : 'redis://127.0.0.1';
    return host.replace('//', `//${credentials === undefined ? '' : `${credentials}@`}`) + `:${String(this.port)}`;
  }

  async restart(): Promise<void> {
    const { tls } = this.options;
    const listen = tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile]
      : ['--port', String(this.port)];
    // With TLS, clients are not asked for certificates (password or ACL users authenticate them).
    const tlsClients = tls ? ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'] : [];
    this.#child = spawn(
      'redis-server',
      [...listen, ...tlsClients, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.#dir, ...(this.options.args ?? [])],
      { stdio: 'ignore' },
    );
    await waitFor(() => this.#answers(), `redis-server on port ${String(this.port)}`);
  }

  /** Whether the server answers a PING with anything (PONG, or NOAUTH when the default user needs a password). */
  #answers(): Promise<true | undefined> {
    return new Promise((resolve) => {
      const { tls } = this.options;
      const socket = tls
        ? connectTls({ host: '127.0.0.1', port: this.port, servername: 'localhost', ca: readFileSync(tls.caFile) })
        : connectTcp({ host: '127.0.0.1', port: this.port });
      const done = (answer: true | undefined) => {
        socket.destroy();
        resolve(answer);
      };
      socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
      socket.once('data', () => done(true));
      socket.once('error', () => done(undefined));
      socket.setTimeout(1000, () => done(undefined));
    });
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

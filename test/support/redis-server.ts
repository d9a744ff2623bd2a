import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

/**
 * A private redis-server on a loopback port of its own, so a test can kill it
 * and bring it back without disturbing the shared Redis other tests use.
 */
export class DisposableRedis {
  #child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<DisposableRedis> {
    const redis = new DisposableRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${String(this.port)}`;
  }

  async restart(): Promise<void> {
    this.#child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitFor(
      async () => {
        const client = createClient({ url: this.url, socket: { reconnectStrategy: false } });
        client.on('error', () => undefined);
        try {
          await client.connect();
          await client.ping();
          return true;
        } finally {
          client.destroy();
        }
      },
      `redis-server on port ${String(this.port)}`,
    );
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

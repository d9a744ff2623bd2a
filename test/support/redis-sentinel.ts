import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { freeRestartablePort } from './ports.js';
import { DisposableRedis } from './redis-server.js';
import { waitFor } from './wait.js';

export const MASTER_NAME = 'rolegate-test';

/**
 * A Redis Sentinel deployment of this test's own on loopback: a primary, a
 * replica of it, and one sentinel (Debian's redis-sentinel) monitoring them
 * with quorum 1, so a test can force a failover (SENTINEL FAILOVER) without
 * touching the shared Redis.
 */
export class SentinelDeployment {
  #sentinel: ChildProcess | undefined;

  private constructor(
    readonly primary: DisposableRedis,
    readonly replica: DisposableRedis,
    readonly sentinelPort: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<SentinelDeployment> {
    // No 5 s wait before the first full sync (repl-diskless-sync-delay's default).
    const primary = await DisposableRedis.start({ args: ['--repl-diskless-sync-delay', '0'] });
    const replica = await DisposableRedis.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    // The sentinel learns of replicas from the primary's INFO: start it once the replica is attached,
    // and has finished its first full sync (attached alone, it may still hold nothing: a failover then
    // would promote an empty replica).
    await waitFor(async () => ((await infoField(primary.url, 'replication', 'connected_slaves')) === '1' ? true : undefined), 'the replica to attach');
    await waitFor(async () => ((await infoField(replica.url, 'replication', 'master_link_status')) === 'up' ? true : undefined), 'the replica to sync', 20_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-sentinel-'));
    const deployment = new SentinelDeployment(primary, replica, await freeRestartablePort(), dir);
    const conf = path.join(dir, 'sentinel.conf'); // rewritten by the sentinel as it learns
    writeFileSync(
      conf,
      [
        `port ${String(deployment.sentinelPort)}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${String(primary.port)} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        '',
      ].join('\n'),
    );
    deployment.#sentinel = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
    await waitFor(
      async () => ((await deployment.sentinel(['SENTINEL', 'REPLICAS', MASTER_NAME])) as unknown[]).length === 1 || undefined,
      'the sentinel to know the replica',
      20_000,
      100,
    );
    return deployment;
  }

  get sentinelAddress(): string {
    return `127.0.0.1:${String(this.sentinelPort)}`;
  }

  /** One command to the sentinel. */
  async sentinel(command: string[]): Promise<unknown> {
    const client = createClient({ socket: { host: '127.0.0.1', port: this.sentinelPort, reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(command);
    } finally {
      client.destroy();
    }
  }

  /** The port of the node the sentinel names as primary now. */
  async primaryPort(): Promise<number> {
    const reply = (await this.sentinel(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME])) as [string, string];
    return Number(reply[1]);
  }

  async stop(): Promise<void> {
    this.#sentinel?.kill('SIGKILL');
    await this.replica.kill();
    await this.primary.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function infoField(url: string, section: string, field: string): Promise<string | undefined> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const info = await client.info(section);
    return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  } finally {
    client.destroy();
  }
}

import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import { captureLogs } from '../support/logs.js';
import { DisposableRedis } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

// A managed service's failover without Sentinel (ElastiCache Multi-AZ): the
// primary endpoint's name moves to the promoted node while an open connection
// may stay on the old primary, now a replica, which answers writes READONLY.
// The proxy plays the name: retargeted, new connections reach the new primary.

let primary: DisposableRedis;
let replica: DisposableRedis;
let endpoint: TcpProxy;

beforeAll(async () => {
  primary = await DisposableRedis.start();
  replica = await DisposableRedis.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  endpoint = await TcpProxy.start({ host: '127.0.0.1', port: primary.port });
}, 30_000);

afterAll(async () => {
  await endpoint.close();
  await primary.kill();
  await replica.kill();
});

async function command(url: string, args: string[]): Promise<unknown> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await client.sendCommand(args);
  } finally {
    client.destroy();
  }
}

describe('RedisKvStore when the primary endpoint moves to another node', () => {
  it('when a write meets a replica (READONLY), then it connects to the endpoint again and writes reach the new primary', async () => {
    const logs = captureLogs();
    const store = await RedisKvStore.connect({
      url: `redis://127.0.0.1:${String(endpoint.port)}`,
      keyPrefix: 'failover-test:',
      connectTimeoutMs: 1000,
      commandTimeoutMs: 1000,
      nearCache: { ttlMs: 10_000, prefixes: [''] },
      logger: logs.logger,
    });
    try {
      await store.set('k', 'before');
      // The failover: the other node becomes primary, the old one its replica; the name moves.
      await command(replica.url, ['REPLICAOF', 'NO', 'ONE']);
      await command(primary.url, ['REPLICAOF', '127.0.0.1', String(replica.port)]);
      endpoint.retarget({ host: '127.0.0.1', port: replica.port });

      await waitFor(
        async () => {
          try {
            await store.set('k', 'after');
            return true;
          } catch {
            return undefined; // READONLY, then "not connected" while the new connection opens
          }
        },
        'a write to succeed on the new primary',
        10_000,
        50,
      );
      expect(await command(replica.url, ['GET', 'failover-test:k'])).toBe('after');
      expect(await store.get('k')).toBe('after');
      expect(logs.lines().filter((l) => String(l.msg).startsWith('redis answered READONLY'))).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

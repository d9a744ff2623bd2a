import { createClient } from 'redis';
import type { Logger } from '../../ports/logger.js';
import { withTimeout } from '../../support/with-timeout.js';

/** Where Redis Sentinel is asked which node is the primary. */
export interface SentinelOptions {
  /** Some of the sentinels, `host:port` (one that answers is enough). */
  nodes: readonly string[];
  /** The name they monitor the primary under. */
  masterName: string;
}

export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * Asks the sentinels in turn (SENTINEL GET-MASTER-ADDR-BY-NAME) for the
 * current primary's address; the first that names one wins. Rejects with
 * every sentinel's reason when none does.
 * https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#sentinel-api
 */
export async function primaryFromSentinels(sentinel: SentinelOptions, timeoutMs: number): Promise<RedisAddress> {
  const reasons: string[] = [];
  for (const node of sentinel.nodes) {
    const { host, port } = parseHostPort(node);
    const client = createClient({ socket: { host, port, connectTimeout: timeoutMs, reconnectStrategy: false }, disableOfflineQueue: true });
    client.on('error', () => undefined); // the rejection below carries the reason
    try {
      const reply = await withTimeout(
        client.connect().then(() => client.sendCommand<unknown>(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', sentinel.masterName])),
        timeoutMs,
        () => `no answer within ${String(timeoutMs)} ms`,
      );
      if (Array.isArray(reply) && reply.length === 2) return { host: String(reply[0]), port: Number(reply[1]) };
      reasons.push(`${node}: does not monitor a primary named ${sentinel.masterName}`);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reasons.push(`${node}: ${typeof code === 'string' ? `${code} ` : ''}${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }
  throw new Error(`no sentinel named the primary ${sentinel.masterName} (${reasons.join('; ')})`);
}

/** `url` (scheme, user, password, database) pointed at `address` instead of its own host and port. */
export function urlAt(url: string, address: RedisAddress): string {
  const parsed = new URL(url);
  parsed.hostname = address.host.includes(':') ? `[${address.host}]` : address.host;
  parsed.port = String(address.port);
  return parsed.href;
}

/** The error of a write sent to a replica: the primary moved (a failover) and this connection did not notice yet. */
export function isReplicaRefusal(error: unknown): boolean {
  return error instanceof Error && /^READONLY\b/.test(error.message);
}

/**
 * Keeps a connection on the primary Sentinel names. `check()` is called
 * whenever the connection breaks, reconnects or meets a replica; it asks the
 * sentinels (one question at a time) and calls `moved` with the new primary's
 * URL when it is not the one in use. Repeated breaks (node-redis reconnecting
 * with back-off) repeat the question, so a sentinel that was briefly
 * unreachable is asked again.
 */
export class PrimaryFollower {
  #asking: Promise<void> | undefined;

  constructor(
    private readonly sentinel: SentinelOptions,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly name: string,
  ) {}

  check(currentUrl: string, moved: (url: string, address: RedisAddress) => void): void {
    if (this.#asking) return;
    this.#asking = primaryFromSentinels(this.sentinel, this.timeoutMs)
      .then((address) => {
        const url = urlAt(currentUrl, address);
        if (url !== new URL(currentUrl).href) moved(url, address);
      })
      .catch((error: unknown) =>
        this.logger.warn({ dependency: this.name, reason: (error as Error).message }, `${this.name}: cannot ask the sentinels for the primary`),
      )
      .finally(() => (this.#asking = undefined));
  }
}

function parseHostPort(node: string): RedisAddress {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(node.slice(at + 1)) };
}

import { createClient } from 'redis';
import type { KvStore, SetMembership } from '../../ports/kv-store.js';
import { reportingFailuresAs } from '../dependency-failures.js';
import type { Logger } from '../../ports/logger.js';
import { withTimeout } from '../../support/with-timeout.js';
import { NearCache, type NearCacheStats } from './near-cache.js';
import { tlsSocketOptions, type RedisTlsOptions } from './redis-tls.js';
import { isReplicaRefusal, primaryFromSentinels, PrimaryFollower, urlAt, type SentinelOptions } from './sentinel.js';

export interface RedisKvStoreOptions {
  url: string;
  /** For rediss:// URLs: a private CA bundle, the certificate's expected name. */
  tls?: RedisTlsOptions;
  /**
   * Redis Sentinel: the primary is asked of the sentinels at connect, and
   * again when the connection breaks or a write meets a replica; `url`'s host
   * and port are replaced by the primary's (its scheme and credentials stay).
   */
  sentinel?: SentinelOptions;
  keyPrefix: string;
  connectTimeoutMs: number;
  /**
   * How long a single command may take before it is reported as failed; also
   * how long the heartbeat (or a connection handshake) may go unanswered
   * before the connection is taken as stalled, closed and opened again.
   */
  commandTimeoutMs?: number;
  /**
   * Values that may be answered from this process's memory (see NearCache):
   * keys starting with one of `prefixes` (given without `keyPrefix`), for at
   * most `ttlMs`; Redis's client tracking drops them sooner when they change.
   * A copy is answered only while a reply to a command sent at most
   * `proofMaxAgeMs` ago has arrived on the tracking connection (a heartbeat
   * PING goes out every third of it). At most `maxEntries` copies and
   * `maxBytes` (approximate) are held, least recently used dropped first.
   * Without it, every read goes to Redis.
   */
  nearCache?: { ttlMs: number; prefixes: readonly string[]; proofMaxAgeMs?: number; maxEntries?: number; maxBytes?: number };
  logger: Logger;
}

/** Bounds of the near cache by default (redis.nearCacheMaxEntries, redis.nearCacheMaxBytes). */
const NEAR_CACHE_MAX_ENTRIES = 20_000;
const NEAR_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** Proof age allowed by default: with an invalidation's propagation (milliseconds), well inside 2 s. */
const DEFAULT_PROOF_MAX_AGE_MS = 1000;

// Back-off between reconnect attempts: 100 ms doubling to 3 s, with jitter so
// a fleet of instances does not reconnect in lockstep after a Redis restart.
function reconnectDelay(retries: number): number {
  return Math.min(100 * 2 ** retries, 3000) + Math.floor(Math.random() * 200);
}

const ERROR_LOG_INTERVAL_MS = 30_000;

/** While a failed-over name still resolves to the replica, a new connection is tried at most this often. */
const REPLICA_REOPEN_INTERVAL_MS = 1000;

const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * setAndIndex: KEYS[1] the value (ARGV[1], PX ARGV[2]), then each further key a set given the
 * member ARGV[2i-1] and living at least ARGV[2i] ms (0: expiry untouched). PTTL before SADD:
 * -2 is a set that is new, -1 one that never expires (kept so).
 */
const SET_AND_INDEX = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
for i = 2, #KEYS do
  local atLeast = tonumber(ARGV[i * 2])
  local left = redis.call('PTTL', KEYS[i])
  redis.call('SADD', KEYS[i], ARGV[i * 2 - 1])
  if atLeast > 0 and (left == -2 or (left >= 0 and left < atLeast)) then redis.call('PEXPIRE', KEYS[i], atLeast) end
end
return 1`;

const now = performance.now.bind(performance);
/** How long closing waits for commands in flight before cutting the connection. */
const CLOSE_BOUND_MS = 2000;

/** Health probes show ping's own reason; closing is best effort. */
const UNTRANSLATED = ['ping', 'close'] as const;

/**
 * KvStore on Redis (node-redis). Commands fail fast while disconnected (no
 * offline queue), so a dead Redis turns into errors callers can answer with a
 * 503 instead of requests that hang; the client reconnects in the background.
 *
 * A connection can also stall: open, but passing nothing (a hung proxy or
 * load balancer, a peer that vanished without a reset, a paused VM). TCP
 * notices that only after many minutes, and node-redis not at all, so a
 * heartbeat PING runs on the connection: while it is answered it proves the
 * near cache's invalidations are flowing (NearCache.prove), and once one has
 * waited `commandTimeoutMs` the connection is dropped and a new one opened
 * (as is one whose handshake does not finish in that time). Meanwhile every
 * command fails within `commandTimeoutMs`, or at once while reconnecting.
 * Failed commands reject with dependency_unavailable naming Redis (or the
 * name given to `named`), as every adapter's failures do.
 */
export class RedisKvStore implements KvStore {
  readonly backend = 'redis' as const;
  #client: RedisClient;
  readonly #options: RedisKvStoreOptions;
  readonly #prefix: string;
  readonly #commandTimeoutMs: number;
  readonly #logger: Logger;
  readonly #near: NearCache | undefined;
  readonly #nearPrefixes: readonly string[];
  #subscriber: RedisClient | undefined;
  /** Channels subscribed to (full names), to subscribe again on a new primary. */
  readonly #subscriptions = new Set<{ name: string; listener: (message: string) => void }>();
  /** Where the main connection goes: options.url, or the primary Sentinel named last. */
  #url: string;
  readonly #follower: PrimaryFollower | undefined;
  /** Bumped whenever the main connection changes: a reply proves something only about the connection it came on. */
  #generation = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  /** When the heartbeat PING now in flight was sent. */
  #pingSentAt: number | undefined;
  /** When the current connection's TCP connect completed, while its handshake is not yet done. */
  #handshakeSince: number | undefined;
  #closed = false;
  /** When a connection that reached a replica was last replaced (at most one per REPLICA_REOPEN_INTERVAL_MS). */
  #replicaReopenedAt = -Infinity;
  #heartbeatMs = 0;
  #lastBeatAt = 0;
  /** Stalled connections closed and opened again (a metric). */
  stallsDetected = 0;

  private constructor(near: NearCache | undefined, options: RedisKvStoreOptions) {
    this.#options = options;
    this.#near = near;
    this.#nearPrefixes = (options.nearCache?.prefixes ?? []).map((p) => options.keyPrefix + p);
    this.#prefix = options.keyPrefix;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.#logger = options.logger;
    this.#url = options.url;
    this.#follower = options.sentinel && new PrimaryFollower(options.sentinel, options.connectTimeoutMs, options.logger, 'redis');
    this.#client = this.#newClient();
  }

  /** Connects, or rejects with the reason after `connectTimeoutMs`. */
  static async connect(given: RedisKvStoreOptions): Promise<RedisKvStore> {
    let options = given;
    if (options.sentinel) {
      try {
        options = { ...options, url: urlAt(options.url, await primaryFromSentinels(options.sentinel, options.connectTimeoutMs)) };
      } catch (error) {
        throw new Error(`redis.sentinel (ROLEGATE_REDIS_SENTINELS): ${(error as Error).message}`, { cause: error });
      }
    }
    const proofMaxAgeMs = options.nearCache?.proofMaxAgeMs ?? DEFAULT_PROOF_MAX_AGE_MS;
    const near = options.nearCache
      ? new NearCache(
          {
            ttlMs: options.nearCache.ttlMs,
            maxEntries: options.nearCache.maxEntries ?? NEAR_CACHE_MAX_ENTRIES,
            maxBytes: options.nearCache.maxBytes ?? NEAR_CACHE_MAX_BYTES,
            proofMaxAgeMs,
          },
          now,
        )
      : undefined;
    const store = new RedisKvStore(near, options);
    const client = store.#client;
    const connection = watchConnection(client, options.logger, 'redis');
    try {
      await withTimeout(client.connect(), options.connectTimeoutMs, () => connection.lastError()?.message ?? 'timed out');
    } catch (error) {
      client.destroy();
      const reason = describeRedisError(connection.lastError() ?? error);
      if (near && refusesTracking(reason)) {
        const { nearCache: _refused, ...withoutNearCache } = options;
        options.logger.warn(
          { dependency: 'redis', reason },
          'redis refuses client tracking (RESP3 HELLO or CLIENT TRACKING): the near cache is off, every read goes to Redis (set ROLEGATE_REDIS_NEAR_CACHE_MS=0 to say so and skip this attempt)',
        );
        return RedisKvStore.connect({ ...withoutNearCache, url: given.url });
      }
      throw new Error(reason, { cause: error });
    }
    // Three heartbeats per proof lifetime: one late or lost PING does not yet send reads to Redis.
    store.#heartbeatMs = Math.max(20, Math.floor(proofMaxAgeMs / 3));
    store.#lastBeatAt = now();
    store.#heartbeat = setInterval(() => store.#beat(), store.#heartbeatMs);
    store.#heartbeat.unref();
    return reportingFailuresAs(store, 'Redis', { untranslated: UNTRANSLATED });
  }

  named(dependency: string): KvStore {
    return reportingFailuresAs<KvStore>(this, dependency, { untranslated: UNTRANSLATED });
  }

  /** Whether this store keeps a near cache at all (off when asked not to, or when Redis refused client tracking). */
  get nearCacheEnabled(): boolean {
    return this.#near !== undefined;
  }

  /** Whether near-cached values may be answered from memory right now (false without a near cache). */
  get nearCacheLive(): boolean {
    return this.#near?.live ?? false;
  }

  /** Hits, misses, shared reads, evictions and what the near cache holds (undefined without one). */
  get nearCacheStats(): NearCacheStats | undefined {
    return this.#near?.stats;
  }

  async get(key: string): Promise<string | null> {
    const k = this.#key(key);
    if (!this.#near || !this.#nearPrefixes.some((p) => k.startsWith(p))) return this.#run((c) => c.get(k));
    const cached = this.#near.get(k);
    if (cached !== undefined) return cached;
    return this.#near.readThrough(k, () =>
      this.#run(async (c) => {
        // One round trip: the value and how long the key has left, so the copy never outlives the key.
        const [value, pttl] = await c.multi().get(k).pTTL(k).execAsPipelineTyped();
        return { value, remainingMs: pttl >= 0 ? pttl : null };
      }),
    );
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    await this.#write([key], (c) =>
      c.set(this.#key(key), value, ttlMs === undefined ? undefined : { expiration: { type: 'PX', value: positive(ttlMs) } }),
    );
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#write([key], (c) =>
      c.set(this.#key(key), value, { condition: 'NX', expiration: { type: 'PX', value: positive(ttlMs) } }),
    );
    return reply === 'OK';
  }

  async take(key: string): Promise<string | null> {
    return this.#write([key], (c) => c.getDel(this.#key(key)));
  }

  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.#write(keys, (c) => c.del(keys.map((k) => this.#key(k))));
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    const deleted = await this.#write([key], (c) => c.eval(DELETE_IF_EQUALS, { keys: [this.#key(key)], arguments: [value] }));
    return deleted === 1;
  }

  async ttlMs(key: string): Promise<number | null> {
    const ttl = await this.#run((c) => c.pTTL(this.#key(key)));
    return ttl < 0 ? null : ttl;
  }

  async addToSet(key: string, member: string, ttlMs?: number): Promise<void> {
    const k = this.#key(key);
    await this.#write([key], async (c) => {
      const transaction = c.multi().sAdd(k, member);
      if (ttlMs !== undefined) transaction.pExpire(k, positive(ttlMs));
      await transaction.exec();
    });
  }

  async setAndIndex(key: string, value: string, ttlMs: number, indexes: readonly SetMembership[]): Promise<void> {
    const args = [value, String(positive(ttlMs))];
    for (const index of indexes) args.push(index.member, index.ttlMs === undefined ? '0' : String(positive(index.ttlMs)));
    const keys = [key, ...indexes.map((index) => index.key)];
    await this.#write(keys, (c) => c.eval(SET_AND_INDEX, { keys: keys.map((k) => this.#key(k)), arguments: args }));
  }

  async removeFromSet(key: string, ...members: string[]): Promise<void> {
    if (members.length === 0) return;
    await this.#write([key], (c) => c.sRem(this.#key(key), members));
  }

  async setMembers(key: string): Promise<string[]> {
    return this.#run((c) => c.sMembers(this.#key(key)));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#run((c) => c.publish(this.#key(channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const subscriber = await this.#subscriberClient();
    const subscription = { name: this.#key(channel), listener: (message: string) => handler(message) };
    await this.#bounded(subscriber.subscribe(subscription.name, subscription.listener));
    this.#subscriptions.add(subscription);
    return async () => {
      this.#subscriptions.delete(subscription);
      const current = this.#subscriber;
      if (current?.isReady) await current.unsubscribe(subscription.name, subscription.listener);
    };
  }

  async ping(): Promise<void> {
    await this.#run((c) => c.ping());
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const client of [this.#subscriber, this.#client]) {
      if (!client?.isOpen) continue;
      // close() waits for the commands in flight; on a stalled connection they never answer.
      const closed = client.isReady
        ? client.close().then(
            () => true,
            () => false,
          )
        : Promise.resolve(false);
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        closed,
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_BOUND_MS))),
      ]);
      clearTimeout(timer);
      if (!done) {
        try {
          client.destroy();
        } catch {
          // already closed
        }
      }
    }
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  async #subscriberClient(): Promise<RedisClient> {
    if (!this.#subscriber) {
      // Subscribers only receive: no tracking on that connection.
      const subscriber = this.#client.duplicate({ emitInvalidate: false });
      watchConnection(subscriber, this.#logger, 'redis subscriber');
      await this.#bounded(subscriber.connect());
      this.#subscriber = subscriber;
    }
    return this.#subscriber;
  }

  /**
   * A command that changes keys. Redis tells every tracking client, this one
   * included, but its message may trail the reply: dropping our own copies as
   * the write completes means a read that follows a write in this process
   * never sees the old value.
   */
  async #write<T>(keys: readonly string[], command: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await this.#run(command);
    } finally {
      if (this.#near) for (const key of keys) this.#near.invalidate(this.#key(key));
    }
  }

  /** A command on the main (tracking) connection; its reply is also a proof for the near cache. */
  async #run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = this.#client;
    if (!client.isReady) throw new Error('Redis is not connected');
    const generation = this.#generation;
    const sentAt = now();
    let result: T;
    try {
      result = await this.#bounded(command(client));
    } catch (error) {
      // A write on a replica: another node was promoted and this connection was not broken. With
      // Sentinel, ask it; else the URL's name (a managed service's primary endpoint) has moved: connect to it again.
      if (isReplicaRefusal(error)) {
        if (this.#follower) this.#followPrimary();
        else if (client === this.#client && now() - this.#replicaReopenedAt > REPLICA_REOPEN_INTERVAL_MS) {
          this.#replicaReopenedAt = now();
          this.#replace('redis answered READONLY (this connection reaches a replica now: a failover); connecting to redis.url again');
        }
      }
      throw error;
    }
    if (generation === this.#generation) this.#near?.prove(sentAt);
    return result;
  }

  async #bounded<T>(promise: Promise<T>): Promise<T> {
    try {
      return await withTimeout(promise, this.#commandTimeoutMs, () => `Redis did not answer within ${String(this.#commandTimeoutMs)} ms`);
    } catch (error) {
      throw new Error(describeRedisError(error), { cause: error });
    }
  }

  /** A client for the main connection, with the listeners that keep the near cache exact (attached before connect()). */
  #newClient(): RedisClient {
    const client = createRedisClient({ ...this.#options, url: this.#url });
    // Keys arrive as strings or Buffers (RESP3 blob strings); null means "everything".
    if (this.#near) {
      const near = this.#near;
      client.on('invalidate', (key: string | Buffer | null) => near.invalidate(key === null ? null : key.toString()));
    }
    // Any break drops every copy: invalidations may have been lost (node-redis turns tracking on again as it reconnects).
    for (const event of ['error', 'end', 'reconnecting', 'connect'] as const) {
      client.on(event, () => {
        if (client === this.#client) this.#connectionChanged(event === 'connect');
      });
    }
    client.on('ready', () => {
      if (client !== this.#client) return;
      this.#generation++;
      this.#handshakeSince = undefined;
    });
    if (this.#follower) {
      // A break may be a failover (Sentinel closes clients' connections when it reconfigures a node):
      // ask where the primary is now, and ask again on each reconnect attempt while it stays down.
      for (const event of ['reconnecting', 'ready'] as const) {
        client.on(event, () => {
          if (client === this.#client) this.#followPrimary();
        });
      }
    }
    return client;
  }

  #connectionChanged(handshaking: boolean): void {
    this.#generation++;
    this.#near?.clear();
    this.#pingSentAt = undefined;
    this.#handshakeSince = handshaking ? now() : undefined;
  }

  /** One heartbeat: PING when none is in flight; a PING or handshake unanswered for commandTimeoutMs means a stalled connection. */
  #beat(): void {
    if (this.#closed) return;
    const client = this.#client;
    const at = now();
    const sinceLastBeat = at - this.#lastBeatAt;
    this.#lastBeatAt = at;
    // This process was not running (CPU starvation, a long GC pause): answers may be waiting
    // unread in the socket. Judge the connection at the next beat, once they have been read.
    if (sinceLastBeat > 2 * this.#heartbeatMs) return;
    if (!client.isReady) {
      if (this.#handshakeSince !== undefined && at - this.#handshakeSince > this.#commandTimeoutMs) {
        this.#reopen(`the connection handshake got no answer within ${String(this.#commandTimeoutMs)} ms`);
      }
      return;
    }
    if (this.#pingSentAt !== undefined) {
      if (at - this.#pingSentAt > this.#commandTimeoutMs) {
        this.#reopen(`the heartbeat got no answer within ${String(this.#commandTimeoutMs)} ms`);
      }
      return;
    }
    const generation = this.#generation;
    this.#pingSentAt = at;
    client
      .ping()
      .then(
        () => {
          if (generation === this.#generation) this.#near?.prove(at);
        },
        () => undefined, // a broken connection reports itself through its events
      )
      .finally(() => {
        if (this.#pingSentAt === at) this.#pingSentAt = undefined;
      });
  }

  /** Asks the sentinels where the primary is; when it moved, the connections follow (no restart). */
  #followPrimary(): void {
    this.#follower?.check(this.#url, (url, address) => {
      if (this.#closed) return;
      this.#url = url;
      this.#replace(`redis primary moved (Sentinel) to ${address.host}:${String(address.port)}; connecting to it`);
      void this.#moveSubscriber();
    });
  }

  /** The subscriber connection to the new primary, with every channel subscribed again. */
  async #moveSubscriber(): Promise<void> {
    const old = this.#subscriber;
    if (!old) return;
    this.#subscriber = undefined;
    old.destroy();
    try {
      const subscriber = await this.#subscriberClient();
      for (const { name, listener } of this.#subscriptions) await this.#bounded(subscriber.subscribe(name, listener));
    } catch (error) {
      this.#logger.warn(
        { dependency: 'redis subscriber', reason: describeRedisError(error) },
        'redis subscriber: cannot subscribe on the new primary',
      );
    }
  }

  /** Drops a stalled main connection and opens a new one in the background; commands fail fast meanwhile. */
  #reopen(reason: string): void {
    this.stallsDetected++;
    this.#logger.warn({ dependency: 'redis', reason }, 'redis connection stalled; opening a new one');
    this.#replace();
  }

  /** A new main connection in place of the current one (stalled, or to a primary that moved). */
  #replace(announce?: string): void {
    const stalled = this.#client;
    if (announce !== undefined) this.#logger.warn({ dependency: 'redis' }, announce);
    this.#client = this.#newClient();
    this.#connectionChanged(false);
    const fresh = this.#client;
    fresh.on('ready', () => {
      if (fresh === this.#client) this.#logger.info({ dependency: 'redis' }, 'redis connection restored');
    });
    watchConnection(fresh, this.#logger, 'redis');
    try {
      stalled.destroy(); // rejects whatever was waiting on it: those requests answer 503 now
    } catch {
      // already closed
    }
    fresh.connect().catch(() => undefined); // retries on its own (reconnectStrategy); errors are logged by watchConnection
  }
}

type RedisClient = ReturnType<typeof createRedisClient>;

/** RESP3 with client tracking when values are near-cached (Redis 6 or newer); RESP2 otherwise. */
function createRedisClient(options: RedisKvStoreOptions) {
  return createClient({
    url: options.url,
    ...(options.nearCache ? { RESP: 3 as const, emitInvalidate: true } : {}),
    disableOfflineQueue: true,
    socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: reconnectDelay, ...tlsSocketOptions(options.tls) },
  });
}

/**
 * Logs connection loss and recovery without flooding the log while Redis stays
 * down, and remembers the last error (the reason a first connect failed).
 * Must be attached before connect(): node-redis does not deliver events to
 * listeners added to the client object after it has connected.
 */
function watchConnection(client: { on(event: string, listener: (arg?: unknown) => void): unknown }, logger: Logger, name: string) {
  let lastError: Error | undefined;
  let connected = false;
  let down = false;
  let lastLoggedAt = 0;
  client.on('error', (error) => {
    lastError = error instanceof Error ? error : new Error(String(error));
    if (!connected) return;
    const now = Date.now();
    if (!down || now - lastLoggedAt > ERROR_LOG_INTERVAL_MS) {
      logger.warn({ dependency: name, reason: describeRedisError(error) }, `${name} connection lost; reconnecting`);
      lastLoggedAt = now;
    }
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ dependency: name }, `${name} connection restored`);
    connected = true;
    down = false;
  });
  return { lastError: () => lastError };
}

/**
 * The handshake of a tracking connection failed because the server (or the
 * ACL user) does not allow client tracking: servers older than Redis 6 or
 * compatibles without RESP3 refuse HELLO 3; managed services and ACL users
 * may refuse CLIENT or CLIENT TRACKING (NOPERM, unknown command).
 */
function refusesTracking(reason: string): boolean {
  return /NOPROTO|unknown command .?HELLO|client\|tracking|unknown (sub)?command .?(CLIENT|TRACKING)/i.test(reason);
}

/** A short, secret-free reason (connection URLs may carry passwords). */
export function describeRedisError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeRedisError(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const sanitized = message.replace(/rediss?:\/\/[^\s]+/g, 'redis://…');
  return typeof code === 'string' && !sanitized.includes(code) ? `${code}: ${sanitized}` : sanitized;
}

function positive(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${String(ttlMs)}`);
  return Math.ceil(ttlMs);
}

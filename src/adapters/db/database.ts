import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Logger } from '../../ports/logger.js';
import { withTimeout } from '../../support/with-timeout.js';
import { PrismaClient } from './generated/client.js';
import { ensureAuditPartitions } from './audit-partitions.js';
import { migrate, type MigrationResult } from './migrate.js';
import { pgConnectionSettings, type PgTlsOptions } from './pg-tls.js';

export type { PrismaClient } from './generated/client.js';

export interface DatabaseOptions {
  url: string;
  /** A CA bundle: TLS on every connection, certificate and host name verified. */
  tls?: PgTlsOptions;
  poolSize: number;
  connectTimeoutMs: number;
  logger: Logger;
  /** How long a readiness ping may take. */
  pingTimeoutMs?: number;
  /**
   * The server is one session shared by every connection (embedded PGlite):
   * named prepared statements would outlive the connection that made them and
   * collide with the next one's, so statements are never named there.
   */
  singleSession?: boolean;
  /**
   * Time limits for the queries requests make (see DatabaseLimits). Without
   * them (the embedded database, command-line tools) a query may take as
   * long as it takes and the pool waits `connectTimeoutMs` for a connection.
   */
  limits?: DatabaseLimits;
}

/**
 * What bounds a request's wait on PostgreSQL when it is slow, stalled, down
 * or restarting: one query, from asking the pool for a connection to its
 * answer, at most `queryTimeoutMs`, of which waiting for a connection (a free
 * one, or a new one opened) at most `acquireTimeoutMs` (client side: a query
 * without an answer fails, and its connection is dropped; in a transaction,
 * each statement). PostgreSQL itself cancels a statement after `statementTimeoutMs`
 * (kept below `queryTimeoutMs`, so that on a live server a slow statement ends
 * with a known outcome: cancelled, not committed), and ends a session left
 * idle inside a transaction after `idleInTransactionTimeoutMs`, freeing its
 * locks. 0 leaves a server-side limit unset (poolers that refuse startup
 * parameters). https://www.postgresql.org/docs/current/runtime-config-client.html
 */
export interface DatabaseLimits {
  acquireTimeoutMs: number;
  queryTimeoutMs: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** Plain parameterised SQL on one connection (see Database.withConnection). */
export type Sql = <T extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<T[]>;

/** A connected PostgreSQL database: the Prisma client for stores, plus health and lifecycle. */
export interface Database {
  readonly prisma: PrismaClient;
  /**
   * Plain parameterised SQL on the same pool, for the few hot paths where
   * Prisma's per-query overhead shows (the audit write on every request:
   * 64 rows took ~10x longer through Prisma's driver adapter than through pg).
   * With `preparedAs`, the statement is prepared once per connection under that name.
   */
  query<T extends Record<string, unknown>>(sql: string, params?: readonly unknown[], preparedAs?: string): Promise<T[]>;
  /**
   * One statement allowed to run longer than the request limits (audit
   * retention, audit searches): in its own transaction, with PostgreSQL's
   * statement_timeout and the client's wait both raised to `timeoutMs`.
   */
  slowQuery<T extends Record<string, unknown>>(sql: string, params: readonly unknown[], timeoutMs: number): Promise<T[]>;
  /**
   * One connection of its own for a few statements in order (the audit partitions'
   * upkeep: its own transactions, lock_timeout, advisory locks). Each statement may
   * wait `timeoutMs` for its answer; a transaction sets its own statement_timeout
   * (SET LOCAL). A connection whose work failed is dropped, not reused.
   */
  withConnection<T>(timeoutMs: number, work: (sql: Sql) => Promise<T>): Promise<T>;
  /** Where the database's own maintenance reports (the audit partitions' upkeep). */
  readonly logger: Logger;
  /**
   * Prisma on connections without the request limits (a pool of its own, of
   * at most two, opened on first use), for bulk admin work such as an access
   * file of 20,000 roles applied whole: its statements may run for seconds,
   * which a request's queryTimeoutMs would cut. The caller bounds the work
   * (a transaction timeout and SET LOCAL statement_timeout). Without request
   * limits (the embedded database, a single session) it is `prisma` itself.
   */
  bulkPrisma(): PrismaClient;
  ping(): Promise<void>;
  migrate(): Promise<MigrationResult>;
  close(): Promise<void>;
}

/** Connects (verifying with one query) or rejects with a short, secret-free reason. */
export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  const { limits } = options;
  const connection = pgConnectionSettings(options.url, options.tls);
  const session = {
    ...connection,
    // TCP keepalive finds idle connections to a server that vanished without a reset.
    keepAlive: true,
    ...(limits && limits.statementTimeoutMs > 0 ? { statement_timeout: limits.statementTimeoutMs } : {}),
    ...(limits && limits.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs } : {}),
  };
  const pool = new pg.Pool({
    ...session,
    max: options.poolSize,
    connectionTimeoutMillis: limits?.acquireTimeoutMs ?? options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    ...(limits ? { query_timeout: limits.queryTimeoutMs } : {}),
  });
  if (limits) boundQueries(pool, limits.queryTimeoutMs);
  // An idle connection that dies (Postgres restarted) must not crash the process;
  // the next query reconnects.
  pool.on('error', (error) => options.logger.warn({ dependency: 'postgres', reason: describePgError(error) }, 'postgres connection lost'));
  keepErrorsHandled(pool, options.logger);
  try {
    if (limits) {
      // Start-up may wait connectTimeoutMs, longer than a request waits for a connection; the
      // same session settings, so a pooler that refuses them says so now rather than on each request.
      const probe = new pg.Client({ ...session, connectionTimeoutMillis: options.connectTimeoutMs });
      // Ended without waiting (below): a server that dies meanwhile must not raise an unhandled 'error'.
      probe.on('error', () => undefined);
      try {
        await withTimeout(
          probe.connect().then(() => probe.query('SELECT 1')),
          options.connectTimeoutMs,
          () => 'timed out',
        );
      } finally {
        // Not awaited: ending waits for the server's goodbye, which a stalled server never sends.
        void probe.end().catch(() => undefined);
      }
    } else {
      await withTimeout(pool.query('SELECT 1'), options.connectTimeoutMs, () => 'timed out');
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(describePgError(error), { cause: error });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;
  let bulk: { pool: pg.Pool; prisma: PrismaClient } | undefined;
  return {
    prisma,
    bulkPrisma() {
      if (!limits || options.singleSession === true) return prisma;
      if (!bulk) {
        const bulkPool = new pg.Pool({
          connectionString: options.url,
          keepAlive: true,
          max: 2,
          connectionTimeoutMillis: options.connectTimeoutMs,
          idleTimeoutMillis: 30_000,
          // A frozen instance must still not hold the admin lock for ever.
          ...(limits.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs } : {}),
        });
        bulkPool.on('error', (error) =>
          options.logger.warn({ dependency: 'postgres', reason: describePgError(error) }, 'postgres connection lost'),
        );
        keepErrorsHandled(bulkPool, options.logger);
        bulk = { pool: bulkPool, prisma: new PrismaClient({ adapter: new PrismaPg(bulkPool) }) };
      }
      return bulk.prisma;
    },
    async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = [], preparedAs?: string) {
      const values = params as unknown[];
      const named = preparedAs !== undefined && !options.singleSession;
      const result = await pool.query<T>(named ? { name: preparedAs, text: sql, values } : { text: sql, values });
      return result.rows;
    },
    async slowQuery<T extends Record<string, unknown>>(sql: string, params: readonly unknown[], timeoutMs: number) {
      const client = await pool.connect();
      let failure: unknown;
      try {
        const wait = { query_timeout: timeoutMs + 1000 };
        await client.query({ text: 'BEGIN', ...wait });
        await client.query({ text: `SET LOCAL statement_timeout = ${String(Math.ceil(timeoutMs))}`, ...wait });
        const result = await client.query<T>({ text: sql, values: params as unknown[], ...wait });
        await client.query({ text: 'COMMIT', ...wait });
        return result.rows;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        // A failed connection may be mid-transaction or stalled: dropped, not reused.
        client.release(failure instanceof Error ? failure : undefined);
      }
    },
    async withConnection<T>(timeoutMs: number, work: (sql: Sql) => Promise<T>) {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        const sql: Sql = async <R extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) => {
          // query_timeout per query is pg's, missing from its QueryConfig type (as in boundQueries).
          const result = await client.query<R>({ text, values: params as unknown[], query_timeout: timeoutMs } as pg.QueryConfig);
          return result.rows;
        };
        return await work(sql);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.release(failure);
      }
    },
    logger: options.logger,
    async ping() {
      try {
        await withTimeout(pool.query('SELECT 1'), pingTimeoutMs, () => `no answer within ${String(pingTimeoutMs)} ms`);
      } catch (error) {
        throw new Error(describePgError(error), { cause: error });
      }
    },
    async migrate() {
      if (limits) {
        // Its own connection without the request limits: a migration may run for minutes.
        const client = new pg.Client({ ...connection, connectionTimeoutMillis: options.connectTimeoutMs, keepAlive: true });
        client.on('error', (error) =>
          options.logger.warn({ dependency: 'postgres', reason: describePgError(error) }, 'postgres connection lost'),
        );
        await client.connect();
        try {
          return await migrateAndPartition(client, options.logger);
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      const client = await pool.connect();
      try {
        return await migrateAndPartition(client, options.logger);
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await endPool(pool, CLOSE_BOUND_MS);
      if (bulk) {
        await bulk.prisma.$disconnect().catch(() => undefined);
        await endPool(bulk.pool, CLOSE_BOUND_MS);
      }
    },
  };
}

/** Migrations, then this month's and the next months' audit partitions (start-up and `npm run db:migrate`). */
async function migrateAndPartition(client: pg.ClientBase, logger: Logger): Promise<MigrationResult> {
  const result = await migrate(client, logger);
  const sql: Sql = async <T extends Record<string, unknown>>(text: string, params: readonly unknown[] = []) =>
    (await client.query<T>(text, params as unknown[])).rows;
  const upkeep = await ensureAuditPartitions(sql, new Date());
  if (upkeep.created.length > 0) logger.info({ event: 'audit.partitions', ...upkeep }, 'audit partitions created ahead');
  return result;
}

/**
 * pg-pool listens for errors only on idle connections: a connection that is
 * checked out (a transaction, a held upkeep connection) between two queries
 * when the server goes away (a crash, an administrator's shutdown) emits
 * 'error' with no listener, an uncaught exception that ends the process.
 * Every connection of the pool gets a listener for its whole life; the next
 * query on it then fails and the connection is dropped on release.
 */
function keepErrorsHandled(pool: pg.Pool, logger: Logger): void {
  const clients = new Set<pg.Client>();
  openClients.set(pool, clients);
  pool.on('connect', (client) => {
    clients.add(client);
    client.on('error', (error) => logger.warn({ dependency: 'postgres', reason: describePgError(error) }, 'postgres connection lost'));
  });
  pool.on('remove', (client) => clients.delete(client));
}

/** Each pool's connections, so that closing can cut the ones still checked out. */
const openClients = new WeakMap<pg.Pool, Set<pg.Client>>();
/** How long closing waits for checked-out connections to come back before cutting them. */
const CLOSE_BOUND_MS = 2000;

/**
 * pg-pool's `end` waits for every checked-out connection to be released: one
 * stuck in a query over a stalled network path would hold shutdown for ever.
 * After `boundMs` their sockets are destroyed; the query fails, the holder
 * releases the connection, and `end` resolves.
 */
async function endPool(pool: pg.Pool, boundMs: number): Promise<void> {
  const ended = pool.end().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    ended.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), boundMs))),
  ]);
  clearTimeout(timer);
  if (!late) return;
  for (const client of openClients.get(pool) ?? []) client.connection.stream.destroy();
  await ended;
}

/**
 * Makes `pool.query` (Prisma's queries outside transactions, and ours) keep
 * one deadline for the whole query: the time spent waiting for a connection
 * is taken from the time the query may then run. pg-pool's own query
 * releases a failed connection the same way (dropped, not reused).
 */
function boundQueries(pool: pg.Pool, queryTimeoutMs: number): void {
  const query = async (config: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> => {
    const startedAt = performance.now();
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      const left = Math.floor(queryTimeoutMs - (performance.now() - startedAt));
      if (left < 1) throw new Error(`no connection in time for a query within ${String(queryTimeoutMs)} ms`);
      const text = typeof config === 'string' ? { text: config } : config;
      return await client.query({ ...text, query_timeout: left } as pg.QueryConfig, values);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(failure);
    }
  };
  Object.defineProperty(pool, 'query', { value: query, configurable: true, writable: true });
}

/** A short reason without the connection URL (it may carry a password). */
export function describePgError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describePgError(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  const message = (error instanceof Error ? error.message : String(error)).replace(/postgres(ql)?:\/\/[^\s]+/g, 'postgresql://…');
  return typeof code === 'string' && !message.includes(code) && !/^\d/.test(code) ? `${code}: ${message}` : message;
}

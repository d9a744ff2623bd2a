import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Logger } from '../../ports/logger.js';
import { withTimeout } from '../../support/with-timeout.js';
import { PrismaClient } from './generated/client.js';
import { migrate, type MigrationResult } from './migrate.js';

export type { PrismaClient } from './generated/client.js';

export interface DatabaseOptions {
  url: string;
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
}

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
  ping(): Promise<void>;
  migrate(): Promise<MigrationResult>;
  close(): Promise<void>;
}

/** Connects (verifying with one query) or rejects with a short, secret-free reason. */
export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies (Postgres restarted) must not crash the process;
  // the next query reconnects.
  pool.on('error', (error) => options.logger.warn({ dependency: 'postgres', reason: describePgError(error) }, 'postgres connection lost'));
  try {
    await withTimeout(pool.query('SELECT 1'), options.connectTimeoutMs, () => 'timed out');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(describePgError(error), { cause: error });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;
  return {
    prisma,
    async query<T extends Record<string, unknown>>(sql: string, params: readonly unknown[] = [], preparedAs?: string) {
      const values = params as unknown[];
      const named = preparedAs !== undefined && !options.singleSession;
      const result = await pool.query<T>(named ? { name: preparedAs, text: sql, values } : { text: sql, values });
      return result.rows;
    },
    async ping() {
      try {
        await withTimeout(pool.query('SELECT 1'), pingTimeoutMs, () => `no answer within ${String(pingTimeoutMs)} ms`);
      } catch (error) {
        throw new Error(describePgError(error), { cause: error });
      }
    },
    async migrate() {
      const client = await pool.connect();
      try {
        return await migrate(client, options.logger);
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** A short reason without the connection URL (it may carry a password). */
export function describePgError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describePgError(error.errors[0]);
  const code = (error as { code?: unknown }).code;
  const message = (error instanceof Error ? error.message : String(error)).replace(/postgres(ql)?:\/\/[^\s]+/g, 'postgresql://…');
  return typeof code === 'string' && !message.includes(code) && !/^\d/.test(code) ? `${code}: ${message}` : message;
}

import { connectDatabase, type Database } from '../adapters/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../adapters/db/embedded-postgres.js';
import { MigrationError } from '../adapters/db/migrate.js';
import type { AppLogger } from '../adapters/logging/create-logger.js';
import { MemoryKvStore } from '../adapters/memory/memory-kv-store.js';
import { RedisKvStore } from '../adapters/redis/redis-kv-store.js';
import type { Config } from '../config/load-config.js';
import { CREDENTIALS_KEY_PREFIX } from '../features/credentials/credential-cache.js';
import { ACCESS_TOKEN_KEY_PREFIX } from '../features/cli-auth/access-tokens.js';
import { SESSION_KEY_PREFIX } from '../features/sessions/session-store.js';
import type { Clock } from '../ports/clock.js';
import type { KvStore } from '../ports/kv-store.js';
import { hostOf, type StartupSteps } from './startup.js';

/**
 * What is read on every API request and may be answered from memory, kept
 * exact by Redis's client tracking (RedisKvStore's near cache): login
 * sessions, CLI access tokens and sealed cached credentials. Locks, login
 * transactions and revocation markers are always read from Redis.
 */
const NEAR_CACHED_KEYS = [SESSION_KEY_PREFIX, ACCESS_TOKEN_KEY_PREFIX, CREDENTIALS_KEY_PREFIX];

export interface Stores {
  database: Database;
  kv: KvStore;
  /** The embedded PostgreSQL, when database.url is not set (demo mode). */
  postgres?: EmbeddedPostgres;
}

/**
 * PostgreSQL (or the embedded one) and Redis (or this process's memory),
 * connected together so that both problems are reported at once, then the
 * schema migrated when database.autoMigrate says so.
 */
export async function connectStores(config: Config, logger: AppLogger, clock: Clock, steps: StartupSteps): Promise<Stores> {
  const problems: string[] = [];
  let postgres: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url?.reveal();
  if (databaseUrl === undefined) {
    try {
      const embedded = await startEmbeddedPostgres(config.dataDir);
      steps.onClose('the embedded PostgreSQL', () => embedded.close());
      postgres = embedded;
      databaseUrl = embedded.url;
    } catch (error) {
      problems.push(`dataDir (ROLEGATE_DATA_DIR): cannot start the embedded PostgreSQL in ${config.dataDir}: ${(error as Error).message}`);
    }
  }
  const [database, kv] = await Promise.allSettled([
    databaseUrl === undefined
      ? Promise.reject(new Error('no database'))
      : connectDatabase({
          url: databaseUrl,
          ...(postgres ? {} : { tls: config.database.tls }),
          // PGlite is a single session: more than one connection would interleave transactions.
          poolSize: postgres ? 1 : config.database.poolSize,
          singleSession: Boolean(postgres),
          connectTimeoutMs: config.database.connectTimeoutMs,
          // The embedded database is one in-process session shared by every connection: a query
          // given up on there would leave its transaction open for the next one. No limits.
          ...(postgres ? {} : { limits: config.database }),
          logger,
        }),
    config.redis.url === undefined
      ? Promise.resolve<KvStore>(new MemoryKvStore(clock))
      : RedisKvStore.connect({
          url: config.redis.url.reveal(),
          tls: config.redis.tls,
          ...(config.redis.sentinel.nodes.length > 0 ? { sentinel: config.redis.sentinel } : {}),
          keyPrefix: config.redis.keyPrefix,
          connectTimeoutMs: config.redis.connectTimeoutMs,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          ...(config.redis.nearCacheMs > 0
            ? {
                nearCache: {
                  ttlMs: config.redis.nearCacheMs,
                  prefixes: NEAR_CACHED_KEYS,
                  proofMaxAgeMs: config.redis.nearCacheProofMs,
                  maxEntries: config.redis.nearCacheMaxEntries,
                  maxBytes: config.redis.nearCacheMaxBytes,
                },
              }
            : {}),
          logger,
        }),
  ]);
  if (database.status === 'fulfilled') steps.onClose('PostgreSQL', () => database.value.close());
  else if (databaseUrl !== undefined) {
    const where = postgres ? 'the embedded PostgreSQL' : `PostgreSQL at ${hostOf(databaseUrl)}`;
    problems.push(`database.url (DATABASE_URL): cannot connect to ${where}: ${(database.reason as Error).message}`);
  }
  if (kv.status === 'fulfilled') steps.onClose('Redis', () => kv.value.close());
  else
    problems.push(
      `redis.url (REDIS_URL): cannot connect to Redis at ${hostOf(config.redis.url?.reveal() ?? '')}: ${(kv.reason as Error).message}`,
    );
  await steps.failIf(problems);
  if (database.status !== 'fulfilled' || kv.status !== 'fulfilled') throw new Error('unreachable: a store failed without a problem');

  if (config.database.autoMigrate) {
    await steps.step(
      (error) => (error instanceof MigrationError ? `database.autoMigrate (ROLEGATE_AUTO_MIGRATE): ${error.message}` : undefined),
      async () => {
        const result = await database.value.migrate();
        logger.info({ applied: result.applied.length, alreadyApplied: result.alreadyApplied }, 'database schema is up to date');
      },
    );
  }
  return { database: database.value, kv: kv.value, ...(postgres ? { postgres } : {}) };
}

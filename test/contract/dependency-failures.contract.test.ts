import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/adapters/db/database.js';
import { PgAuditLog } from '../../src/adapters/db/pg-audit-log.js';
import { PgAuditQuery } from '../../src/adapters/db/pg-audit-query.js';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import { PrismaAccessStore } from '../../src/adapters/db/prisma-access-store.js';
import { PrismaCliGrantStore } from '../../src/adapters/db/prisma-cli-grant-store.js';
import { PrismaIdentityProviderStore } from '../../src/adapters/db/prisma-identity-provider-store.js';
import { MemoryKvStore } from '../../src/adapters/memory/memory-kv-store.js';
import { connectRedisRateLimiters, memoryRateLimiters } from '../../src/adapters/rate-limits/flexible-rate-limiters.js';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import { AesGcmSealer } from '../../src/adapters/crypto/aes-gcm-sealer.js';
import { RolegateError } from '../../src/domain/errors.js';
import { AccessTokens } from '../../src/features/cli-auth/access-tokens.js';
import { CredentialCache } from '../../src/features/credentials/credential-cache.js';
import { RolePreferences } from '../../src/features/portal/role-preferences.js';
import { SessionStore } from '../../src/features/sessions/session-store.js';
import type { KvStore } from '../../src/ports/kv-store.js';
import type { RateLimiterStore } from '../../src/ports/rate-limiter.js';
import { testPostgresUrl } from '../support/env.js';
import { captureLogs } from '../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// Every adapter translates its own failures: when its backend is gone, each
// method rejects with dependency_unavailable (503) naming the dependency, so
// no feature has to wrap its calls. A real PostgreSQL and Redis, each behind a
// proxy that is then shut: connections break and new ones are refused.

/** What a caller sees when `dependency` is down: the contract of docs/error-codes.md. */
async function expectUnavailable(call: Promise<unknown>, dependency: string): Promise<void> {
  const error: unknown = await call.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(RolegateError);
  expect(error).toMatchObject({
    code: 'dependency_unavailable',
    status: 503,
    expose: true,
    detail: `${dependency} is unavailable; try again shortly`,
    // A client (the CLI, the SDK's retry logic) learns when to come back.
    headers: { 'Retry-After': '2' },
  });
  // The backend's own reason stays in the message and cause, for the logs (never in the detail).
  expect((error as Error).message).toMatch(new RegExp(`^${dependency.replace(/[()]/g, '\\$&')} is unavailable: .+`));
  expect((error as Error).cause).toBeInstanceOf(Error);
}

const hostPort = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 5432) };
};

describe('PostgreSQL adapters when PostgreSQL is gone', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    proxy = await TcpProxy.start(hostPort(testPostgresUrl));
    const url = new URL(testDb.url);
    url.host = proxy.url;
    database = await connectDatabase({ url: url.href, poolSize: 2, connectTimeoutMs: 1000, logger: captureLogs().logger });
    await database.ping();
    await proxy.close();
  }, 60_000);
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('when an identity-provider, CLI-grant or access-admin store is read, then 503 names the database', async () => {
    await expectUnavailable(new PrismaIdentityProviderStore(database.prisma).list(), 'The database');
    await expectUnavailable(new PrismaIdentityProviderStore(database.prisma).findBySlug('okta'), 'The database');
    await expectUnavailable(new PrismaCliGrantStore(database.prisma).findClient('rolegate-cli'), 'The database');
    await expectUnavailable(new PrismaAccessAdminStore(database.prisma).read(), 'The database');
  });

  it('when the access store is read, then 503 names the access model', async () => {
    await expectUnavailable(new PrismaAccessStore(database.prisma).listAccounts(), 'The access model (PostgreSQL)');
  });

  it('when an audit event is recorded or queried, then 503 names the audit log', async () => {
    await expectUnavailable(
      new PgAuditLog(database, { commitTimeoutMs: 5000 }).record({ type: 'test', outcome: 'success' }),
      'The audit log (PostgreSQL)',
    );
    await expectUnavailable(new PgAuditQuery(database).find({ limit: 1 }), 'The audit log (PostgreSQL)');
  });
});

describe('Redis adapters when Redis is gone', () => {
  let proxy: TcpProxy;
  let kv: KvStore;
  let limits: RateLimiterStore;

  beforeAll(async () => {
    proxy = await TcpProxy.start(hostPort(testRedisUrl));
    const url = `redis://${proxy.url}`;
    const { logger } = captureLogs();
    const prefix = uniqueRedisPrefix();
    kv = await RedisKvStore.connect({ url, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 1000, logger });
    limits = await connectRedisRateLimiters({ url, keyPrefix: prefix, connectTimeoutMs: 2000, commandTimeoutMs: 1000, logger });
    await kv.set('probe', '1', 10_000);
    await proxy.close();
  });
  afterAll(async () => {
    await kv.close();
    await limits.close();
  });

  it('when any KvStore method is called, then 503 names Redis', async () => {
    await expectUnavailable(kv.get('probe'), 'Redis');
    await expectUnavailable(kv.set('probe', '2', 1000), 'Redis');
    await expectUnavailable(kv.setIfAbsent('probe', '2', 1000), 'Redis');
    await expectUnavailable(kv.take('probe'), 'Redis');
    await expectUnavailable(kv.delete('probe'), 'Redis');
    await expectUnavailable(kv.deleteIfEquals('probe', '1'), 'Redis');
    await expectUnavailable(kv.ttlMs('probe'), 'Redis');
    await expectUnavailable(kv.addToSet('set', 'a', 1000), 'Redis');
    await expectUnavailable(kv.removeFromSet('set', 'a'), 'Redis');
    await expectUnavailable(kv.setMembers('set'), 'Redis');
    await expectUnavailable(kv.publish('channel', 'hello'), 'Redis');
  });

  it('when a feature names its use of the store, then 503 names that use', async () => {
    await expectUnavailable(kv.named('The session store (Redis)').get('probe'), 'The session store (Redis)');
    await expectUnavailable(new SessionStore(kv, { now: () => Date.now() }).get('a'.repeat(43)), 'The session store (Redis)');
    await expectUnavailable(new AccessTokens(kv, { now: () => Date.now() }, 60_000).revokeGrant('grant'), 'The token store (Redis)');
    const sealer = new AesGcmSealer([Buffer.alloc(32, 7)], 'cache');
    await expectUnavailable(
      new CredentialCache(kv, sealer, { now: () => Date.now() }, 60_000).get('creds:x'),
      'The credential cache (Redis)',
    );
    await expectUnavailable(new RolePreferences(kv).toggleFavourite('okta:alice', '111111111111', 'Dev'), 'The preference store (Redis)');
  });

  it('when a health probe pings, then it gets the backend’s own reason, not the 503 text', async () => {
    const error: unknown = await kv.ping().catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RolegateError);
    expect((error as Error).message).toMatch(/Redis is not connected|ECONNREFUSED|did not answer/);
  });

  it('when a rate limit is counted, then 503 names the rate-limit store', async () => {
    const limiter = limits.limiter('contract', { points: 5, windowSeconds: 60, blockInMemory: false });
    await expectUnavailable(limiter.consume('key'), 'The rate-limit store (Redis)');
    await expectUnavailable(limiter.refund('key'), 'The rate-limit store (Redis)');
  });
});

describe('in-process adapters once closed', () => {
  it('when the memory KvStore is used after close, then 503 names it; a named view names its use', async () => {
    const kv = new MemoryKvStore();
    await kv.close();
    await expectUnavailable(kv.get('a'), 'The in-process store');
    await expectUnavailable(kv.named('The session store (Redis)').set('a', '1'), 'The session store (Redis)');
  });

  it('when an in-process limiter counts, then refusals stay answers (not failures)', async () => {
    const limiter = memoryRateLimiters().limiter('contract', { points: 1, windowSeconds: 60, blockInMemory: false });
    await expect(limiter.consume('key')).resolves.toMatchObject({ allowed: true });
    await expect(limiter.consume('key')).resolves.toMatchObject({ allowed: false });
  });
});

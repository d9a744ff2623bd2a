import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp, type RolegateApp } from '../../src/http/create-app.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { buildDeps, type Deps } from '../../src/composition/build-deps.js';

import { createHttpServer } from '../../src/http/create-http-server.js';
import type { AppLogger } from '../../src/adapters/logging/create-logger.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from './redis.js';
import { captureLogs, type CapturedLogs } from './logs.js';
import { sharedTestRsaPem } from './issuer.js';
import type { Clock } from '../../src/ports/clock.js';

export interface TestApp {
  app: RolegateApp;
  deps: Deps;
  config: Config;
  logs: CapturedLogs;
  database: TestDatabase;
  redisPrefix: string;
  close(): Promise<void>;
}

/**
 * rolegate as main.ts builds it — real config loading, real Postgres (a
 * database of its own) and real Redis (a key prefix of its own) — without
 * listening. Pass `env` to set any configuration key.
 */
export async function createTestApp(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const redisPrefix = uniqueRedisPrefix();
  const loaded = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl,
    ROLEGATE_REDIS_PREFIX: redisPrefix,
    ROLEGATE_AUTO_MIGRATE: 'false',
    ROLEGATE_PORT: '0',
    // A fresh data-at-rest key per app, so no test writes a demo key into the working tree.
    ROLEGATE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
    // One RSA signing key per test process instead of two generated per app (pass
    // ROLEGATE_SIGNING_KEY: '' to exercise keys generated and stored in PostgreSQL).
    ROLEGATE_SIGNING_KEY: sharedTestRsaPem(),
    ...env,
  });
  if (!loaded.ok) throw new Error(`test configuration is invalid:\n${loaded.problems.join('\n')}`);
  const logs = captureLogs();
  let deps: Deps;
  try {
    deps = await buildDeps(loaded.config, logs.logger, ...(options.clock ? [options.clock] : []));
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    app: createApp(deps),
    deps,
    config: loaded.config,
    logs,
    database,
    redisPrefix,
    async close() {
      await deps.close();
      await deleteRedisKeys(redisPrefix);
      await database.drop();
    },
  };
}

/** Listens on loopback (an ephemeral port unless `port` is given, e.g. one that ROLEGATE_PUBLIC_URL names); returns the base URL. */
export async function listen(app: RolegateApp, port = 0): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${String(bound)}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type { AppLogger };

/**
 * Another rolegate process's worth of objects on the same configuration — same
 * PostgreSQL database, Redis prefix and keys — as a second instance behind a
 * load balancer. Listens on its own ephemeral port.
 */
export async function startSecondInstance(
  first: TestApp,
  /** Changes to the shared configuration for this instance only (e.g. Redis through a proxy). */
  configure: (config: Config) => Config = (config) => config,
  /** The instances' one clock (tests that drive time give both the same). */
  options: { clock?: Clock } = {},
): Promise<{ url: string; deps: Deps; logs: CapturedLogs; close(): Promise<void> }> {
  const logs = captureLogs();
  const deps = await buildDeps(configure(first.config), logs.logger, ...(options.clock ? [options.clock] : []));
  const server = await listen(createApp(deps));
  return {
    url: server.url,
    deps,
    logs,
    close: async () => {
      await server.close();
      await deps.close();
    },
  };
}

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../../src/adapters/db/database.js';
import { testPostgresUrl } from '../../support/env.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { waitFor } from '../../support/wait.js';

// Shutdown must not wait for ever on a connection that is stuck in a query over
// a stalled network path: pg-pool's own `end` would.
describe('closing the database while a query hangs on a stalled path', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let direct: pg.Client;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    direct = new pg.Client({ connectionString: testDb.url });
    await direct.connect();
    const target = new URL(testPostgresUrl);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
  }, 60_000);
  afterAll(async () => {
    proxy.resume();
    await proxy.close();
    await direct.end();
    await testDb.drop();
  });

  it('when a long query (an audit search) is in flight and the path stalls, then close ends within its bound and the query fails', async () => {
    const url = new URL(testDb.url);
    url.host = proxy.url;
    const database = await connectDatabase({
      url: url.href,
      poolSize: 2,
      connectTimeoutMs: 1000,
      logger: captureLogs().logger,
      limits: { acquireTimeoutMs: 500, queryTimeoutMs: 2000, statementTimeoutMs: 1500, idleInTransactionTimeoutMs: 5000 },
    });
    // A statement allowed a minute, as audit searches and retention are; the path stalls while it runs.
    const stuck = database.slowQuery('SELECT pg_sleep(2) AS slept', [], 60_000).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(
      async () =>
        (await direct.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2)%'")).rowCount ? true : undefined,
      'the search to run',
    );
    proxy.pause();
    const startedAt = performance.now();
    await database.close();
    expect(performance.now() - startedAt).toBeLessThan(5000);
    expect(await stuck).toBe('failed');
  });
});

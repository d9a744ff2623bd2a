import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectDatabase, type Database } from '../../src/adapters/db/database.js';
import { startEmbeddedPostgres } from '../../src/adapters/db/embedded-postgres.js';
import { captureLogs } from './logs.js';

/**
 * A migrated embedded PostgreSQL (PGlite) in a temporary directory, for running
 * a store's contract suite against the embedded-defaults implementation too.
 * Starting PGlite takes a few seconds: share one per test file.
 */
export async function createEmbeddedTestDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-pglite-'));
  const embedded = await startEmbeddedPostgres(dir);
  const database = await connectDatabase({
    url: embedded.url,
    poolSize: 1,
    singleSession: true,
    connectTimeoutMs: 5000,
    logger: captureLogs().logger,
  });
  await database.migrate();
  return {
    database,
    async close() {
      await database.close();
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

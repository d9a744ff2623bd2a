import { connectDatabase, type Database } from '../../src/adapters/db/database.js';
import { createEmbeddedTestDatabase } from './embedded-postgres.js';
import { captureLogs } from './logs.js';
import { createTestDatabase } from './postgres.js';

export interface DatabaseImplementation {
  name: 'postgres' | 'pglite';
  create: () => Promise<{ database: Database; close: () => Promise<void> }>;
}

/**
 * Every database rolegate runs on, for `describe.each` in store contract suites:
 * a fresh migrated PostgreSQL database of the file's own, and an embedded PGlite.
 */
export function databaseImplementations(options: { poolSize?: number } = {}): DatabaseImplementation[] {
  return [
    {
      name: 'postgres',
      create: async () => {
        const testDb = await createTestDatabase();
        const database = await connectDatabase({
          url: testDb.url,
          poolSize: options.poolSize ?? 2,
          connectTimeoutMs: 5000,
          logger: captureLogs().logger,
        });
        return {
          database,
          close: async () => {
            await database.close();
            await testDb.drop();
          },
        };
      },
    },
    { name: 'pglite', create: createEmbeddedTestDatabase },
  ];
}

import { mkdtempSync, mkdirSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate } from '../../../src/adapters/db/migrate.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

const databases: TestDatabase[] = [];
const clients: pg.Client[] = [];

async function emptyDatabase(): Promise<pg.Client> {
  const database = await createTestDatabase({ migrated: false });
  databases.push(database);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Every committed migration, oldest first (the folders of prisma/migrations). */
const committed = readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-migrations-'));
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.end();
  for (const database of databases.splice(0)) await database.drop();
});

describe('migrate', () => {
  it('when the database is empty, then every migration is applied and recorded the way Prisma records them', async () => {
    const client = await emptyDatabase();
    const result = await migrate(client, captureLogs().logger);
    expect(result.applied).toContain('20261122000000_init');
    const { rows } = await client.query<{
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
      checksum: string;
    }>('SELECT migration_name, finished_at, applied_steps_count, checksum FROM _prisma_migrations');
    expect(rows[0]).toMatchObject({ migration_name: '20261122000000_init', applied_steps_count: 1 });
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining([
        'audit_events',
        'aws_accounts',
        'cli_clients',
        'cli_tokens',
        'group_mappings',
        'identity_providers',
        'roles',
      ]),
    );
  });

  it('when run twice, then the second run applies nothing', async () => {
    const client = await emptyDatabase();
    await migrate(client, captureLogs().logger);
    expect(await migrate(client, captureLogs().logger)).toEqual({ applied: [], alreadyApplied: committed.length });
  });

  it('when a migration fails, then it is rolled back entirely and the error names it', async () => {
    const client = await emptyDatabase();
    const dir = copyOfMigrations();
    mkdirSync(path.join(dir, '20991231000000_broken'));
    writeFileSync(
      path.join(dir, '20991231000000_broken', 'migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n',
    );
    await expect(migrate(client, captureLogs().logger, dir)).rejects.toThrow(
      /migration 20991231000000_broken failed and was rolled back: relation "no_such_table" does not exist/,
    );
    const half = await client.query("SELECT to_regclass('public.half_done') AS t");
    expect(half.rows[0]).toEqual({ t: null });
    const recorded = await client.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations');
    expect(recorded.rows.map((r) => r.migration_name).sort()).toEqual(committed);
  });

  it('when an applied migration was edited afterwards, then it refuses to continue', async () => {
    const client = await emptyDatabase();
    const dir = copyOfMigrations();
    await migrate(client, captureLogs().logger, dir);
    writeFileSync(path.join(dir, '20261122000000_init', 'migration.sql'), '-- edited\n', { flag: 'a' });
    await expect(migrate(client, captureLogs().logger, dir)).rejects.toThrow(/20261122000000_init was changed after it was applied/);
  });

  it('when audit events exist, then the database refuses to update them', async () => {
    const client = await emptyDatabase();
    await migrate(client, captureLogs().logger);
    await client.query("INSERT INTO audit_events (type, outcome) VALUES ('login', 'success')");
    await expect(client.query("UPDATE audit_events SET outcome = 'denied'")).rejects.toThrow(/audit_events is append-only/);
  });
});

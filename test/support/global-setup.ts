import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/adapters/db/migrate.js';
import { createLogger } from '../../src/adapters/logging/create-logger.js';
import { testPostgresUrl } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Once per run: a template database with every migration applied, named for
 * this run so concurrent runs (several checkouts on one machine) never drop
 * each other's. Each test file then copies it (CREATE DATABASE … TEMPLATE,
 * ~100 ms) into its own database, so files run in parallel without seeing
 * each other's rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `rolegate_test_tpl_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${template}`);
  const url = new URL(testPostgresUrl);
  url.pathname = `/${template}`;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    await migrate(client, createLogger('silent'));
  } finally {
    await client.end();
  }
  project.provide('templateDatabase', template);
  return () => adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

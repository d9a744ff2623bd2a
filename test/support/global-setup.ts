import pg from 'pg';
import { migrate } from '../../src/adapters/db/migrate.js';
import { createLogger } from '../../src/adapters/logging/create-logger.js';
import { TEMPLATE_DATABASE, testPostgresUrl } from './env.js';

/**
 * Once per run: a template database with every migration applied. Each test
 * file then copies it (CREATE DATABASE … TEMPLATE, ~100 ms) into its own
 * database, so files run in parallel without seeing each other's rows.
 */
export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgresUrl);
  url.pathname = `/${TEMPLATE_DATABASE}`;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    await migrate(client, createLogger('silent'));
  } finally {
    await client.end();
  }
}

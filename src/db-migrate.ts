// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or to the
// embedded database in dataDir) and exits. Production deployments run this
// before starting new instances (docker-compose does).
import { connectDatabase } from './adapters/db/database.js';
import { startEmbeddedPostgres } from './adapters/db/embedded-postgres.js';
import { createLogger } from './adapters/logging/create-logger.js';
import { loadConfig } from './config/load-config.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`rolegate db:migrate: the configuration has problems:\n${loaded.problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(78);
}
const { config } = loaded;
const logger = createLogger(config.log.level);
try {
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres(config.dataDir);
  const database = await connectDatabase({
    url: config.database.url?.reveal() ?? embedded?.url ?? '',
    ...(embedded ? {} : { tls: config.database.tls }),
    poolSize: 1,
    connectTimeoutMs: config.database.connectTimeoutMs,
    logger,
  });
  try {
    const result = await database.migrate();
    process.stdout.write(
      result.applied.length === 0
        ? `Database schema is up to date (${String(result.alreadyApplied)} migrations).\n`
        : `Applied ${String(result.applied.length)} migrations:\n${result.applied.map((m) => `  ${m}\n`).join('')}`,
    );
  } finally {
    await database.close();
    await embedded?.close();
  }
} catch (error) {
  process.stderr.write(`rolegate db:migrate: ${(error as Error).message}\n`);
  process.exit(1);
}

// `npm run keys -- <command>`: rotates rolegate's generated signing keys
// (see docs/exchange.md). Uses the same configuration as the service.
import { AesGcmSealer } from './adapters/crypto/aes-gcm-sealer.js';
import { loadOrCreateDemoEncryptionKey } from './adapters/crypto/demo-encryption-key.js';
import { connectDatabase } from './adapters/db/database.js';
import { startEmbeddedPostgres } from './adapters/db/embedded-postgres.js';
import { PrismaSigningKeyStore } from './adapters/db/prisma-signing-key-store.js';
import { DatabaseSigningKeys } from './adapters/issuer/database-signing-keys.js';
import { runRotationCommand } from './adapters/issuer/rotation-command.js';
import { createLogger } from './adapters/logging/create-logger.js';
import { loadConfig } from './config/load-config.js';
import { systemClock } from './ports/clock.js';

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  process.stderr.write(`rolegate keys: the configuration has problems:\n${loaded.problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(78);
}
const { config } = loaded;
if (config.issuer.signingKey !== undefined || config.issuer.signingKeyFile !== undefined) {
  process.stderr.write(
    'rolegate keys: the signing key comes from a file or the environment; rotate it by publishing the next one in issuer.publishedKeyFiles (docs/exchange.md)\n',
  );
  process.exit(64);
}
const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level);
try {
  const masterKeys = config.encryption.keys?.reveal() ?? [loadOrCreateDemoEncryptionKey(config.dataDir).key];
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres(config.dataDir);
  const database = await connectDatabase({
    url: config.database.url?.reveal() ?? embedded?.url ?? '',
    ...(embedded ? {} : { tls: config.database.tls }),
    poolSize: 1,
    connectTimeoutMs: config.database.connectTimeoutMs,
    logger,
  });
  try {
    const keys = new DatabaseSigningKeys({
      store: new PrismaSigningKeyStore(database.prisma),
      sealer: new AesGcmSealer(masterKeys, 'signing-keys'),
      clock: systemClock,
      logger,
      keyBits: config.issuer.keyBits,
      assertionLifetimeSeconds: config.issuer.assertionLifetimeSeconds,
    });
    await keys.init();
    for (const line of await runRotationCommand(keys, process.argv.slice(2))) process.stdout.write(`${line}\n`);
  } finally {
    await database.close();
    await embedded?.close();
  }
} catch (error) {
  process.stderr.write(`rolegate keys: ${(error as Error).message}\n`);
  process.exit(1);
}

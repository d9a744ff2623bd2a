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
import { awsSdkIamReader } from './adapters/aws-iam/aws-sdk-iam-reader.js';
import { iamEndpointForPartition } from './adapters/aws-iam/aws-sdk-role-policy-writer.js';
import { AwsSdkStsGateway } from './adapters/aws-sts/aws-sdk-sts-gateway.js';
import { PrismaAccessStore } from './adapters/db/prisma-access-store.js';
import type { NextSamlKeyGuard } from './adapters/issuer/rotation-command.js';
import type { Config } from './config/load-config.js';
import { stsEndpointResolver } from './features/credentials/sts-endpoint.js';
import { providersLackingNextKey } from './features/iam/next-key-check.js';
import type { Logger } from './ports/logger.js';

/** `keys promote`'s check: every IAM SAML provider holds the next certificate, read as `rolegate doctor` reads (rolegate's own AWS identity). */
function nextSamlKeyGuard(config: Config, logger: Logger, access: PrismaAccessStore): NextSamlKeyGuard {
  const { accessKeyId, secretAccessKey, iamEndpoint, endpoint } = config.sts;
  const hubCredentials = accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey: secretAccessKey.reveal() } : undefined;
  const reader = awsSdkIamReader({
    sts: new AwsSdkStsGateway({
      logger,
      retryBudgetMs: config.sts.retryBudgetMs,
      ...(hubCredentials ? { credentials: hubCredentials } : {}),
    }),
    stsEndpointFor: stsEndpointResolver({
      ...(endpoint ? { endpoint } : {}),
      scope: config.sts.endpointScope,
      production: config.production,
      allowInsecureLoopback: config.allowInsecureLoopback,
    }),
    iamEndpointFor: (account) => (iamEndpoint ? { url: iamEndpoint, region: 'us-east-1' } : iamEndpointForPartition(account.partition)),
    ...(hubCredentials ? { hubCredentials } : {}),
  });
  return (certificate, readerRoleName) => providersLackingNextKey({ access, reader }, certificate, readerRoleName);
}

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
    const guard = nextSamlKeyGuard(config, logger, new PrismaAccessStore(database.prisma));
    for (const line of await runRotationCommand(keys, process.argv.slice(2), guard)) process.stdout.write(`${line}\n`);
  } finally {
    await database.close();
    await embedded?.close();
  }
} catch (error) {
  process.stderr.write(`rolegate keys: ${(error as Error).message}\n`);
  process.exit(1);
}

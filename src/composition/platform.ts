import { AesGcmSealer } from '../adapters/crypto/aes-gcm-sealer.js';
import { loadOrCreateDemoEncryptionKey } from '../adapters/crypto/demo-encryption-key.js';
import { PgAuditLog } from '../adapters/db/pg-audit-log.js';
import { PrismaSigningKeyStore } from '../adapters/db/prisma-signing-key-store.js';
import { createIssuer, type IssuerParts } from '../adapters/issuer/create-issuer.js';
import type { AppLogger } from '../adapters/logging/create-logger.js';
import { MeteredAuditLog } from '../adapters/metrics/metered-audit-log.js';
import { createMetrics, type PrometheusMetrics } from '../adapters/metrics/prometheus-metrics.js';
import type { Config } from '../config/load-config.js';
import type { Limits } from '../features/rate-limits/limits.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import { buildLimits } from './rate-limits.js';
import type { StartupSteps } from './startup.js';
import { connectStores, type Stores } from './stores.js';

/** What every feature is built on: stores, keys, the issuer, the clock, metrics, rate limits and the audit log. */
export interface Platform extends Stores {
  config: Config;
  logger: AppLogger;
  clock: Clock;
  /** The data-at-rest keys (encryption.keys, or the demo key): the first seals, all open. */
  sealingKeys: readonly Buffer[];
  issuer: IssuerParts;
  /** The counters and histograms features report to (the Metrics port adds the gauges, in build-deps.ts). */
  metrics: PrometheusMetrics;
  limits: Limits;
  audit: AuditLog;
}

export async function buildPlatform(config: Config, logger: AppLogger, clock: Clock, steps: StartupSteps): Promise<Platform> {
  const stores = await connectStores(config, logger, clock, steps);
  const sealingKeys = await steps.step(
    (error) => `encryption.keys (ROLEGATE_ENCRYPTION_KEYS): not set, and the demo key cannot be used: ${error.message}`,
    () => encryptionKeys(config, logger),
  );
  const issuer = await steps.step(issuerProblem, () =>
    createIssuer(config, {
      store: new PrismaSigningKeyStore(stores.database.prisma),
      sealer: new AesGcmSealer(sealingKeys, 'signing-keys'),
      clock,
      logger,
    }),
  );
  logger.info({ keySource: issuer.keySource, entityId: config.issuer.entityId }, 'signing keys ready');
  const metrics = createMetrics();
  const { limits, store } = await steps.step(
    (error) => `redis.url (REDIS_URL): cannot connect the rate limits to Redis: ${error.message}`,
    () => buildLimits(config, { metrics, clock, logger }),
  );
  steps.onClose('the rate-limit store', () => store.close());
  const audit = new MeteredAuditLog(
    new PgAuditLog(stores.database, {
      commitTimeoutMs: config.database.auditCommitTimeoutMs,
      maxQueued: config.database.auditQueueMaxRows,
    }),
    metrics,
  );
  return { ...stores, config, logger, clock, sealingKeys, issuer, metrics, limits, audit };
}

function encryptionKeys(config: Config, logger: AppLogger): readonly Buffer[] {
  const configured = config.encryption.keys?.reveal();
  if (configured !== undefined) return configured;
  // Production refuses to start without encryption.keys (load-config); this is demo mode only.
  const demo = loadOrCreateDemoEncryptionKey(config.dataDir);
  logger.warn(
    { path: demo.path, created: demo.created },
    `DEMO ENCRYPTION KEY: encryption.keys is not set, so data at rest is encrypted with a key ${demo.created ? 'generated now and ' : ''}kept in ${demo.path}. Set ROLEGATE_ENCRYPTION_KEYS for anything but a demo.`,
  );
  return [demo.key];
}

/** Prisma's messages start with the call site and end with the cause: keep the cause, one line. */
function issuerProblem(error: Error): string {
  const lines = error.message.split('\n').filter((line) => line.trim() !== '');
  const reason = ((lines[0]?.includes('invocation') ? lines.at(-1) : lines[0]) ?? 'unknown error').trim();
  const hint = /does not exist/.test(reason) ? ' (run `npm run db:migrate`)' : '';
  return reason.startsWith('issuer.') ? reason : `issuer (signing keys in PostgreSQL): ${reason}${hint}`;
}

import { AesGcmSealer } from './adapters/crypto/aes-gcm-sealer.js';
import { loadOrCreateDemoEncryptionKey } from './adapters/crypto/demo-encryption-key.js';
import { connectDatabase, type Database } from './adapters/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './adapters/db/embedded-postgres.js';
import { MigrationError } from './adapters/db/migrate.js';
import { PrismaAccessStore } from './adapters/db/prisma-access-store.js';
import { PgAuditLog } from './adapters/db/pg-audit-log.js';
import { PrismaCliGrantStore } from './adapters/db/prisma-cli-grant-store.js';
import { PrismaIdentityProviderStore } from './adapters/db/prisma-identity-provider-store.js';
import { OpenidClientGateway } from './adapters/oidc/openid-client-gateway.js';
import { HttpSamlMetadataReader } from './adapters/saml/idp-metadata.js';
import { NodeSamlGateway } from './adapters/saml/node-saml-gateway.js';
import { ACCESS_TOKEN_KEY_PREFIX, AccessTokens } from './features/cli-auth/access-tokens.js';
import type { CliAuthDeps } from './features/cli-auth/cli-auth-deps.js';
import type { LoginDeps } from './features/login/login-deps.js';
import { LoginTransactions } from './features/login/login-transactions.js';
import { IdentityProviderAvailability } from './features/login/identity-provider-availability.js';
import { withUnavailableIdps } from './features/login/unavailable-identity-providers.js';
import { SESSION_KEY_PREFIX, SessionStore } from './features/sessions/session-store.js';
import { CREDENTIALS_KEY_PREFIX } from './features/credentials/credential-cache.js';
import type { IdentityProviderStore } from './ports/identity-provider-store.js';
import { PrismaSigningKeyStore } from './adapters/db/prisma-signing-key-store.js';
import { createIssuer } from './adapters/issuer/create-issuer.js';
import type { DatabaseSigningKeys } from './adapters/issuer/database-signing-keys.js';
import type { AppLogger } from './adapters/logging/create-logger.js';
import { MemoryKvStore } from './adapters/memory/memory-kv-store.js';
import { createMetrics } from './adapters/metrics/prometheus-metrics.js';
import { MeteredAuditLog } from './adapters/metrics/metered-audit-log.js';
import { RedisKvStore } from './adapters/redis/redis-kv-store.js';
import type { Config } from './config/load-config.js';
import { buildCredentialsDeps } from './deps-credentials.js';
import { buildLimits } from './deps-rate-limits.js';
import { FetchFederationGateway } from './adapters/aws-signin/fetch-federation-gateway.js';
import { RolePreferences } from './features/portal/role-preferences.js';
import { applyConfiguredAccessFile, buildAdminDeps } from './deps-admin.js';
import { buildAccessRequestDeps } from './deps-access-requests.js';
import type { AppDeps } from './http/create-app.js';
import type { AccessStore } from './ports/access-store.js';
import type { AssertionIssuer } from './ports/assertion-issuer.js';
import type { AuditLog } from './ports/audit-log.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { KvStore } from './ports/kv-store.js';
import type { Sealer } from './ports/sealer.js';

/**
 * What is read on every API request and may be answered from memory, kept
 * exact by Redis's client tracking (RedisKvStore's near cache): login
 * sessions, CLI access tokens and sealed cached credentials. Locks, login
 * transactions and revocation markers are always read from Redis.
 */
const NEAR_CACHED_KEYS = [SESSION_KEY_PREFIX, ACCESS_TOKEN_KEY_PREFIX, CREDENTIALS_KEY_PREFIX];

/** Everything a running rolegate holds, built once at start-up. */
export interface Deps extends AppDeps {
  database: Database;
  kv: KvStore;
  audit: AuditLog;
  idps: IdentityProviderStore;
  /** Accounts, roles and group mappings, read in the domain's shapes. */
  access: AccessStore;
  clock: Clock;
  /** Seals cached credentials (AES-256-GCM, its own key derived from encryption.keys); pass the cache key as aad. */
  cacheSealer: Sealer;
  /** Mints the SAML responses and web-identity JWTs rolegate sends to STS. */
  issuer: AssertionIssuer;
  /** Generated signing keys in PostgreSQL (absent with PEM keys): prepare/promote/purge rotations. */
  signingKeys?: DatabaseSigningKeys;
  /** What runs embedded instead of a real service (for the demo-mode banner). */
  embedded: { postgres?: EmbeddedPostgres; memoryStore: boolean };
  beginShutdown(): void;
  close(): Promise<void>;
}

/** Start-up failed for reasons an operator must fix; one line per problem. */
export class StartupError extends Error {
  override name = 'StartupError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * The composition root: connects every adapter once, checks that each
 * dependency answers (all problems reported together), applies migrations
 * when configured to, and hands the pieces to the HTTP layer.
 */
export async function buildDeps(config: Config, logger: AppLogger, options: { clock?: Clock } = {}): Promise<Deps> {
  const problems: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  let postgres: EmbeddedPostgres | undefined;
  let databaseUrl = config.database.url?.reveal();
  if (databaseUrl === undefined) {
    try {
      postgres = await startEmbeddedPostgres(config.dataDir);
      closers.push(() => postgres?.close() ?? Promise.resolve());
      databaseUrl = postgres.url;
    } catch (error) {
      problems.push(`dataDir (ROLEGATE_DATA_DIR): cannot start the embedded PostgreSQL in ${config.dataDir}: ${(error as Error).message}`);
    }
  }

  const [database, kv] = await Promise.allSettled([
    databaseUrl === undefined
      ? Promise.reject(new Error('no database'))
      : connectDatabase({
          url: databaseUrl,
          // PGlite is a single session: more than one connection would interleave transactions.
          poolSize: postgres ? 1 : config.database.poolSize,
          singleSession: Boolean(postgres),
          connectTimeoutMs: config.database.connectTimeoutMs,
          // The embedded database is one in-process session shared by every connection: a query
          // given up on there would leave its transaction open for the next one. No limits.
          ...(postgres ? {} : { limits: config.database }),
          logger,
        }),
    config.redis.url === undefined
      ? Promise.resolve<KvStore>(new MemoryKvStore())
      : RedisKvStore.connect({
          url: config.redis.url.reveal(),
          keyPrefix: config.redis.keyPrefix,
          connectTimeoutMs: config.redis.connectTimeoutMs,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          ...(config.redis.nearCacheMs > 0
            ? { nearCache: { ttlMs: config.redis.nearCacheMs, prefixes: NEAR_CACHED_KEYS, proofMaxAgeMs: config.redis.nearCacheProofMs } }
            : {}),
          logger,
        }),
  ]);
  if (database.status === 'fulfilled') closers.push(() => database.value.close());
  else if (databaseUrl !== undefined) {
    const where = postgres ? 'the embedded PostgreSQL' : `PostgreSQL at ${hostOf(databaseUrl)}`;
    problems.push(`database.url (DATABASE_URL): cannot connect to ${where}: ${(database.reason as Error).message}`);
  }
  if (kv.status === 'fulfilled') closers.push(() => kv.value.close());
  else
    problems.push(
      `redis.url (REDIS_URL): cannot connect to Redis at ${hostOf(config.redis.url?.reveal() ?? '')}: ${(kv.reason as Error).message}`,
    );

  if (problems.length > 0 || database.status !== 'fulfilled' || kv.status !== 'fulfilled') {
    await closeAll();
    throw new StartupError(problems);
  }

  if (config.database.autoMigrate) {
    try {
      const result = await database.value.migrate();
      logger.info({ applied: result.applied.length, alreadyApplied: result.alreadyApplied }, 'database schema is up to date');
    } catch (error) {
      await closeAll();
      if (error instanceof MigrationError) throw new StartupError([`database.autoMigrate (ROLEGATE_AUTO_MIGRATE): ${error.message}`]);
      throw error;
    }
  }

  const clock = options.clock ?? systemClock;
  let masterKeys: readonly Buffer[] | undefined = config.encryption.keys?.reveal();
  if (masterKeys === undefined) {
    // Production refuses to start without encryption.keys (load-config); this is demo mode only.
    try {
      const demo = loadOrCreateDemoEncryptionKey(config.dataDir);
      masterKeys = [demo.key];
      logger.warn(
        { path: demo.path, created: demo.created },
        `DEMO ENCRYPTION KEY: encryption.keys is not set, so data at rest is encrypted with a key ${demo.created ? 'generated now and ' : ''}kept in ${demo.path}. Set ROLEGATE_ENCRYPTION_KEYS for anything but a demo.`,
      );
    } catch (error) {
      await closeAll();
      throw new StartupError([
        `encryption.keys (ROLEGATE_ENCRYPTION_KEYS): not set, and the demo key cannot be used: ${(error as Error).message}`,
      ]);
    }
  }
  const sealingKeys = masterKeys;
  let issuerParts: Awaited<ReturnType<typeof createIssuer>>;
  try {
    issuerParts = await createIssuer(config, {
      store: new PrismaSigningKeyStore(database.value.prisma),
      sealer: new AesGcmSealer(sealingKeys, 'signing-keys'),
      clock,
      logger,
    });
  } catch (error) {
    await closeAll();
    // Prisma's messages start with the call site and end with the cause: keep the cause, one line.
    const lines = (error as Error).message.split('\n').filter((line) => line.trim() !== '');
    const reason = ((lines[0]?.includes('invocation') ? lines.at(-1) : lines[0]) ?? 'unknown error').trim();
    const hint = /does not exist/.test(reason) ? ' (run `npm run db:migrate`)' : '';
    throw new StartupError([reason.startsWith('issuer.') ? reason : `issuer (signing keys in PostgreSQL): ${reason}${hint}`]);
  }
  logger.info({ keySource: issuerParts.keySource, entityId: config.issuer.entityId }, 'signing keys ready');
  const idps = new PrismaIdentityProviderStore(database.value.prisma);
  const holder: { availability?: IdentityProviderAvailability } = {};
  const oidc = new OpenidClientGateway({
    clientSecrets: config.oidcClientSecrets,
    discoveryTtlMs: config.oidc.discoveryTtlMs,
    httpTimeoutMs: config.oidc.httpTimeoutMs,
    production: config.production,
    allowInsecureLoopback: config.allowInsecureLoopback,
    logger,
    onDiscovery: (slug, outcome) => holder.availability?.observe(slug, outcome),
  });
  const availability = new IdentityProviderAvailability(
    { idps, metadata: new HttpSamlMetadataReader(config.oidc.httpTimeoutMs), oidc, logger, clock },
    { initialDelayMs: config.identityProviderChecks.retryInitialMs, maxDelayMs: config.identityProviderChecks.retryMaxMs },
  );
  holder.availability = availability;
  closers.push(() => Promise.resolve(availability.stop()));
  try {
    await availability.start(config.identityProviders);
    const { invalid } = await idps.list();
    for (const row of invalid)
      logger.error({ idp: row.slug, problem: row.problem }, 'identity provider settings are invalid; it cannot be used to sign in');
  } catch (error) {
    await closeAll();
    throw new StartupError([
      `identityProviders (ROLEGATE_IDENTITY_PROVIDERS): cannot seed the identity providers: ${(error as Error).message}`,
    ]);
  }
  const accessFileProblems = await applyConfiguredAccessFile(config, database.value.bulkPrisma(), logger);
  if (accessFileProblems.length > 0) {
    await closeAll();
    throw new StartupError(accessFileProblems);
  }
  const metrics = createMetrics();
  let limitParts: Awaited<ReturnType<typeof buildLimits>>;
  try {
    limitParts = await buildLimits(config, { metrics, clock, logger });
  } catch (error) {
    await closeAll();
    throw new StartupError([`redis.url (REDIS_URL): cannot connect the rate limits to Redis: ${(error as Error).message}`]);
  }
  closers.push(() => limitParts.store.close());
  const { limits } = limitParts;
  metrics.probes.identityProviders = () =>
    availability.statuses().map((s) => ({ idp: s.slug, kind: s.kind, up: s.state === 'checking' ? undefined : s.state !== 'unavailable' }));
  if (kv.value instanceof RedisKvStore) {
    const redis = kv.value;
    metrics.probes.redisNearCacheLive = () => (config.redis.nearCacheMs > 0 ? redis.nearCacheLive : undefined);
    metrics.probes.redisStalls = () => redis.stallsDetected;
  }
  const audit = new MeteredAuditLog(
    new PgAuditLog(database.value, {
      commitTimeoutMs: config.database.auditCommitTimeoutMs,
      maxQueued: config.database.auditQueueMaxRows,
    }),
    metrics,
  );
  const sessions = new SessionStore(kv.value, clock);
  const saml = new NodeSamlGateway({
    publicUrl: config.server.publicUrl,
    clockSkewMs: config.saml.clockSkewMs,
    maxAssertionAgeMs: config.saml.maxAssertionAgeMs,
    maxResponseBytes: config.saml.maxBodyBytes,
    requestIdTtlMs: config.sessions.loginTimeoutMs,
    xmlLimits: {
      maxDepth: config.saml.maxXmlDepth,
      maxElements: config.saml.maxXmlElements,
      maxAttributes: config.saml.maxXmlAttributes,
      maxAttributesPerElement: config.saml.maxXmlAttributesPerElement,
      maxNamespacesInScope: config.saml.maxXmlNamespacesInScope,
    },
    ...(config.saml.spPrivateKey && config.saml.spCertificate
      ? { spSigning: { privateKey: config.saml.spPrivateKey, certificate: config.saml.spCertificate } }
      : {}),
  });
  closers.push(() => saml.close());
  const login: LoginDeps = {
    idps: withUnavailableIdps(idps, availability),
    availability,
    transactions: new LoginTransactions(kv.value, config.sessions.loginTimeoutMs, limits, logger),
    sessions,
    audit,
    oidc,
    saml,
    kv: kv.value,
    clock,
    publicUrl: config.server.publicUrl,
    maxSessionTtlMs: config.sessions.maxTtlMs,
    samlClockSkewMs: config.saml.clockSkewMs,
    limits,
  };
  const cliAuth: CliAuthDeps = {
    grants: new PrismaCliGrantStore(database.value.prisma),
    accessTokens: new AccessTokens(kv.value, systemClock, config.cli.accessTokenTtlMs),
    kv: kv.value,
    audit,
    clock: systemClock,
    publicUrl: config.server.publicUrl,
    settings: {
      accessTokenTtlMs: config.cli.accessTokenTtlMs,
      authorizationCodeTtlMs: config.cli.authorizationCodeTtlMs,
      deviceCodeTtlMs: config.cli.deviceCodeTtlMs,
      devicePollIntervalSeconds: config.cli.devicePollIntervalSeconds,
      maxSessionTtlMs: config.sessions.maxTtlMs,
      consentTimeoutMs: config.sessions.loginTimeoutMs,
    },
  };

  const access = new PrismaAccessStore(database.value.prisma);
  const cacheSealer = new AesGcmSealer(sealingKeys, 'cache');
  let exchangeParts: Awaited<ReturnType<typeof buildCredentialsDeps>>;
  try {
    exchangeParts = await buildCredentialsDeps(config, {
      logger,
      metrics,
      access,
      kv: kv.value,
      sealer: cacheSealer,
      issuer: issuerParts.issuer,
      audit,
      clock,
      limits,
    });
  } catch (error) {
    await closeAll();
    throw new StartupError([`database: cannot read accounts, roles and mappings: ${(error as Error).message}`]);
  }
  closers.push(() => exchangeParts.stop());
  login.forgetCredentials = (principalId) => exchangeParts.credentials.cache.deleteAllFor(principalId);
  const adminParts = buildAdminDeps(config, {
    database: database.value,
    accessModel: exchangeParts.credentials.accessModel,
    clock,
    logger,
    sessions,
    cliAuth,
    credentialCache: exchangeParts.credentials.cache,
    audit,
    metrics,
  });
  closers.push(() => Promise.resolve(adminParts.stop()));
  const jit = await buildAccessRequestDeps(config, { ...exchangeParts, prisma: database.value.prisma, kv: kv.value, audit, clock, logger });
  closers.push(() => jit.stop());
  adminParts.admin.accessRequests = jit.accessRequests;

  let shuttingDown = false;
  return {
    config,
    logger,
    metrics,
    limits,
    database: database.value,
    kv: kv.value,
    audit,
    idps,
    sessions,
    login,
    access,
    clock,
    cacheSealer,
    credentials: exchangeParts.credentials,
    issuer: issuerParts.issuer,
    issuerMetadata: issuerParts.issuer,
    ...(issuerParts.databaseKeys ? { signingKeys: issuerParts.databaseKeys } : {}),
    cliAuth,
    console: {
      credentials: exchangeParts.credentials,
      federation: new FetchFederationGateway({ timeoutMs: config.console.timeoutMs }),
      settings: {
        issuerUrl: new URL('/portal', config.server.publicUrl).href,
        ...(config.console.federationEndpoint ? { federationEndpoint: config.console.federationEndpoint } : {}),
        ...(config.console.consoleUrl ? { standInConsole: config.console.consoleUrl } : {}),
      },
    },
    preferences: new RolePreferences(kv.value),
    admin: adminParts.admin,
    accessRequests: jit.accessRequests,
    embedded: { ...(postgres ? { postgres } : {}), memoryStore: kv.value.backend === 'memory' },
    probes: [
      { name: postgres ? 'postgres (embedded)' : 'postgres', check: () => database.value.ping() },
      { name: kv.value.backend === 'redis' ? 'redis' : 'memory-store', check: () => kv.value.ping() },
    ],
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: closeAll,
  };
}

/** host:port of a connection URL, without user, password or query. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return 'an unparsable URL';
  }
}

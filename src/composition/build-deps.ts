import type { Database } from '../adapters/db/database.js';
import type { EmbeddedPostgres } from '../adapters/db/embedded-postgres.js';
import type { DatabaseSigningKeys } from '../adapters/issuer/database-signing-keys.js';
import { pinoAccessLog } from '../adapters/logging/access-log.js';
import type { AppLogger } from '../adapters/logging/create-logger.js';
import { prometheusMetrics } from '../adapters/metrics/prometheus-metrics.js';
import { RedisKvStore } from '../adapters/redis/redis-kv-store.js';
import type { Config } from '../config/load-config.js';
import type { AppDeps } from '../http/create-app.js';
import type { AccessStore } from '../ports/access-store.js';
import type { AssertionIssuer } from '../ports/assertion-issuer.js';
import type { AuditLog } from '../ports/audit-log.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { IdentityProviderStore } from '../ports/identity-provider-store.js';
import type { KvStore } from '../ports/kv-store.js';
import type { Sealer } from '../ports/sealer.js';
import { applyConfiguredAccessFile, buildAdmin } from './admin.js';
import { buildAccessRequests } from './access-requests.js';
import { buildCliAuth } from './cli-auth.js';
import { buildConsole } from './console.js';
import { buildCredentialCache, buildCredentials } from './credentials.js';
import { buildLogin } from './login.js';
import { buildNotifications, type Notifications } from './notifications.js';
import { buildPlatform } from './platform.js';
import { StartupSteps } from './startup.js';

export { StartupError } from './startup.js';

/** Everything a running rolegate holds, built once at start-up. */
export interface Deps extends AppDeps {
  database: Database;
  kv: KvStore;
  audit: AuditLog;
  idps: IdentityProviderStore;
  /** Accounts, roles and group mappings, read in the domain's shapes. */
  access: AccessStore;
  /** The one clock every part was given. */
  clock: Clock;
  /** Seals cached credentials (AES-256-GCM, its own key derived from encryption.keys); pass the cache key as aad. */
  cacheSealer: Sealer;
  /** Mints the SAML responses and web-identity JWTs rolegate sends to STS. */
  issuer: AssertionIssuer;
  /** Generated signing keys in PostgreSQL (absent with PEM keys): prepare/promote/purge rotations. */
  signingKeys?: DatabaseSigningKeys;
  /** Webhook notifications (absent without notifications.webhooks). */
  notifications?: Notifications;
  /** What runs embedded instead of a real service (for the demo-mode banner). */
  embedded: { postgres?: EmbeddedPostgres; memoryStore: boolean };
  beginShutdown(): void;
  close(): Promise<void>;
}

/**
 * The composition root: one builder per feature (this folder), each given the
 * platform they share. Every dependency is checked as it is connected; a
 * failed step closes what was opened and names the setting to fix
 * (StartupError). Nothing is changed after it was built.
 */
export async function buildDeps(config: Config, logger: AppLogger, clock: Clock = systemClock): Promise<Deps> {
  const steps = new StartupSteps((what) => logger.warn({ what }, 'shutdown: did not close in time; going on without it'));
  const platform = await buildPlatform(config, logger, clock, steps);
  const { database, kv, issuer, metrics } = platform;
  const { cache, sealer } = buildCredentialCache(platform);
  const { login, sessions, idps } = await buildLogin(platform, steps, (principalId) => cache.deleteAllFor(principalId));
  await applyConfiguredAccessFile(platform, steps);
  const { credentials, flights, access } = await buildCredentials(platform, steps, cache);
  const notifications = buildNotifications(platform, steps);
  if (notifications) credentials.notifications = notifications.outbox;
  const cliAuth = buildCliAuth(platform);
  const admin = buildAdmin(platform, steps, {
    sessions,
    cliAuth,
    credentials,
    ...(notifications ? { notifications: notifications.outbox } : {}),
  });
  const accessRequests = await buildAccessRequests(platform, steps, credentials, admin.access, notifications?.writer);
  const redis = kv instanceof RedisKvStore ? kv : undefined;
  const { availability } = login;
  let shuttingDown = false;
  return {
    config,
    logger,
    accessLog: pinoAccessLog(logger),
    metrics: prometheusMetrics(metrics, {
      singleFlightWaiting: () => flights.waiting,
      activeCliSessions: () => cliAuth.grants.countActiveGrants(new Date(clock.now())),
      activePortalSessions: () => sessions.countLive(),
      identityProviders: () =>
        availability
          .statuses()
          .map((s) => ({ idp: s.slug, kind: s.kind, up: s.state === 'checking' ? undefined : s.state !== 'unavailable' })),
      redisNearCacheLive: () => (redis?.nearCacheEnabled ? redis.nearCacheLive : undefined),
      redisNearCache: () => redis?.nearCacheStats,
      redisStalls: () => redis?.stallsDetected ?? 0,
      accessModel: () => credentials.accessModel.stats,
      rolesAnswers: () => credentials.rolesAnswers?.stats,
      accessRequestsByState: () => accessRequests.store.countByState(),
      grantsHeld: () => accessRequests.grants.size,
      notifications: () => notifications?.outbox.counts(),
    }),
    limits: platform.limits,
    database,
    kv,
    audit: platform.audit,
    idps,
    sessions,
    login,
    access,
    clock,
    cacheSealer: sealer,
    credentials,
    issuer: issuer.issuer,
    issuerMetadata: issuer.issuer,
    ...(issuer.databaseKeys ? { signingKeys: issuer.databaseKeys } : {}),
    cliAuth,
    ...buildConsole(platform, credentials),
    admin: { ...admin, accessRequests },
    accessRequests,
    ...(notifications ? { notifications } : {}),
    embedded: { ...(platform.postgres ? { postgres: platform.postgres } : {}), memoryStore: kv.backend === 'memory' },
    probes: [
      { name: platform.postgres ? 'postgres (embedded)' : 'postgres', check: () => database.ping() },
      { name: kv.backend === 'redis' ? 'redis' : 'memory-store', check: () => kv.ping() },
    ],
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
    close: () => steps.close(),
  };
}

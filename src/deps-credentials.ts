import { AwsSdkStsGateway } from './adapters/aws-sts/aws-sdk-sts-gateway.js';
import type { AppLogger } from './adapters/logging/create-logger.js';
import type { Metrics } from './adapters/metrics/prometheus-metrics.js';
import type { Config } from './config/load-config.js';
import { RolegateError } from './domain/errors.js';
import { stsEndpointFor } from './domain/partitions.js';
import { plainHttpRefusal } from './domain/plain-http.js';
import { AccessModelCache } from './features/credentials/access-model-cache.js';
import { CredentialCache } from './features/credentials/credential-cache.js';
import type { CredentialsDeps } from './features/credentials/issue-credentials.js';
import { SingleFlight } from './features/credentials/single-flight.js';
import type { AccessStore } from './ports/access-store.js';
import type { AssertionIssuer } from './ports/assertion-issuer.js';
import type { AuditLog } from './ports/audit-log.js';
import type { Clock } from './ports/clock.js';
import type { KvStore } from './ports/kv-store.js';
import type { Sealer } from './ports/sealer.js';
import type { Limits } from './features/rate-limits/limits.js';

/** The part of the composition root that wires the exchange (issue credentials, list roles). */
export async function buildCredentialsDeps(
  config: Config,
  parts: {
    logger: AppLogger;
    metrics: Metrics;
    access: AccessStore;
    kv: KvStore;
    sealer: Sealer;
    issuer: AssertionIssuer;
    audit: AuditLog;
    clock: Clock;
    limits: Limits;
  },
): Promise<{ credentials: CredentialsDeps; stop(): Promise<void> }> {
  const { logger, metrics, kv, clock } = parts;
  const accessModel = new AccessModelCache(parts.access, kv, logger, config.credentials.accessModelRefreshSeconds * 1000);
  await accessModel.start();
  metrics.probes.accessModel = () => accessModel.stats;
  const flights = new SingleFlight(kv, {
    namespace: 'flight:credentials:',
    lockTtlMs: config.credentials.lockTtlMs,
    // A follower waits as long as a producer may hold the lock, then takes over.
    waitMs: config.credentials.lockTtlMs,
  });
  metrics.probes.singleFlightWaiting = () => flights.waiting;
  const { accessKeyId, secretAccessKey } = config.sts;
  const sts = new AwsSdkStsGateway({
    logger,
    retryBudgetMs: config.sts.retryBudgetMs,
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey: secretAccessKey.reveal() } } : {}),
    onCall: ({ action, outcome, seconds }) => {
      metrics.stsRequestDuration.observe({ action, outcome }, seconds);
      if (outcome !== 'success') metrics.stsErrors.inc({ action, code: outcome });
    },
  });
  const credentials: CredentialsDeps = {
    accessModel,
    cache: new CredentialCache(kv, parts.sealer, clock, config.credentials.refreshMarginSeconds * 1000),
    flights,
    audit: parts.audit,
    clock,
    callerIsRole: config.sts.callerIsRole,
    limits: parts.limits,
    exchange: {
      issuer: parts.issuer,
      sts,
      endpointFor: (account) => {
        const url =
          config.sts.endpoint ?? account.stsEndpoint ?? stsEndpointFor(account.partition, account.region, config.sts.endpointScope);
        // sts.endpoint is checked at start-up; an account's stsEndpoint comes from the access model, so here, before anything is minted.
        const refusal = plainHttpRefusal(url, 'signed assertions and the credentials STS returns', {
          production: config.production,
          allowInsecureLoopback: config.allowInsecureLoopback,
        });
        if (refusal) {
          // Written before the write-time check existed (or by hand in the database): this account cannot be used.
          throw new RolegateError('role_not_entitled', {
            detail: `Account ${account.id} has stsEndpoint ${url}: ${refusal}; ask an administrator to fix the account`,
            extras: { reason: 'role_misconfigured' },
          });
        }
        return { region: account.region, url };
      },
      sessionTags: config.sessionTags,
      ...(config.issuer.sessionNameIdp ? { sessionNameIdp: config.issuer.sessionNameIdp } : {}),
    },
    observer: {
      issued: (mode, outcome, source) => metrics.credentialsIssued.inc({ mode, outcome, source }),
      cacheLookup: (result) => metrics.credentialCacheLookups.inc({ result }),
    },
  };
  return { credentials, stop: () => accessModel.stop() };
}

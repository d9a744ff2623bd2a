import { AesGcmSealer } from '../adapters/crypto/aes-gcm-sealer.js';
import { AwsSdkStsGateway } from '../adapters/aws-sts/aws-sdk-sts-gateway.js';
import { PrismaAccessStore } from '../adapters/db/prisma-access-store.js';
import { AccessModelCache } from '../features/credentials/access-model-cache.js';
import { RolesAnswers } from '../features/credentials/roles-answers.js';
import { CredentialCache } from '../features/credentials/credential-cache.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import { SingleFlight } from '../features/credentials/single-flight.js';
import { stsEndpointResolver } from '../features/credentials/sts-endpoint.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/** The sealed cache of issued credentials; sign-out drops from it too, so it is built before sign-in (login.ts). */
export function buildCredentialCache(platform: Platform): { cache: CredentialCache; sealer: AesGcmSealer } {
  // Cached credentials are sealed with a key of their own, derived from encryption.keys; the cache key is the aad.
  const sealer = new AesGcmSealer(platform.sealingKeys, 'cache');
  const margin = platform.config.credentials.refreshMarginSeconds * 1000;
  return { cache: new CredentialCache(platform.kv, sealer, platform.clock, margin), sealer };
}

/** The exchange (issue credentials, list roles): the access model, single flights and STS, over the credential cache. */
export async function buildCredentials(
  platform: Platform,
  steps: StartupSteps,
  cache: CredentialCache,
): Promise<{ credentials: CredentialsDeps; flights: SingleFlight; access: PrismaAccessStore }> {
  const { config, logger, metrics, kv, clock } = platform;
  const access = new PrismaAccessStore(platform.database.prisma);
  const accessModel = new AccessModelCache(access, kv, logger, config.credentials.accessModelRefreshSeconds * 1000);
  await steps.step(
    (error) => `database: cannot read accounts, roles and mappings: ${error.message}`,
    () => accessModel.start(),
  );
  steps.onClose('the access model reloader', () => accessModel.stop());
  const flights = new SingleFlight(kv, {
    namespace: 'flight:credentials:',
    lockTtlMs: config.credentials.lockTtlMs,
    // A follower waits as long as a producer may hold the lock, then takes over.
    waitMs: config.credentials.lockTtlMs,
  });
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
    cache,
    flights,
    audit: platform.audit,
    clock,
    callerIsRole: config.sts.callerIsRole,
    limits: platform.limits,
    exchange: {
      issuer: platform.issuer.issuer,
      sts,
      endpointFor: stsEndpointResolver({
        ...(config.sts.endpoint ? { endpoint: config.sts.endpoint } : {}),
        scope: config.sts.endpointScope,
        production: config.production,
        allowInsecureLoopback: config.allowInsecureLoopback,
      }),
      sessionTags: config.sessionTags,
      ...(config.issuer.sessionNameIdp ? { sessionNameIdp: config.issuer.sessionNameIdp } : {}),
    },
    observer: {
      issued: (mode, outcome, source) => metrics.credentialsIssued.inc({ mode, outcome, source }),
      cacheLookup: (result) => metrics.credentialCacheLookups.inc({ result }),
    },
  };
  credentials.rolesAnswers = new RolesAnswers(credentials);
  return { credentials, flights, access };
}

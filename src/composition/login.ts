import { PrismaIdentityProviderStore } from '../adapters/db/prisma-identity-provider-store.js';
import { OpenidClientGateway } from '../adapters/oidc/openid-client-gateway.js';
import { HttpSamlMetadataReader } from '../adapters/saml/idp-metadata.js';
import { NodeSamlGateway } from '../adapters/saml/node-saml-gateway.js';
import type { Config } from '../config/load-config.js';
import { IdentityProviderAvailability } from '../features/login/identity-provider-availability.js';
import { cachingIdentityProviders } from '../features/login/identity-provider-cache.js';
import type { LoginDeps } from '../features/login/login-deps.js';
import type { IdentityProviderStore } from '../ports/identity-provider-store.js';
import { LoginTransactions } from '../features/login/login-transactions.js';
import { withUnavailableIdps } from '../features/login/unavailable-identity-providers.js';
import { SessionStore } from '../features/sessions/session-store.js';
import type { Platform } from './platform.js';
import type { StartupSteps } from './startup.js';

/** Sign-in: identity providers (seeded from configuration and watched), OIDC and SAML, login transactions and sessions. */
export async function buildLogin(
  platform: Platform,
  steps: StartupSteps,
  forgetCredentials: (principalId: string) => Promise<unknown>,
): Promise<{
  login: LoginDeps & { availability: IdentityProviderAvailability };
  sessions: SessionStore;
  /** The identity providers as stored (login.idps also answers for the ones that cannot be reached). */
  idps: IdentityProviderStore;
}> {
  const { config, logger, clock, kv } = platform;
  // Sign-in and availability share one cache, so that this instance's own writes (seeding, a metadata refresh) show at once.
  const idps = cachingIdentityProviders(new PrismaIdentityProviderStore(platform.database.prisma), clock);
  // Each needs the other: discovery results feed availability, which retries discovery. Neither calls before start().
  const availability = new IdentityProviderAvailability(
    {
      idps,
      metadata: new HttpSamlMetadataReader(config.oidc.httpTimeoutMs),
      oidc: { discover: (idp) => oidc.discover(idp) },
      logger,
      clock,
    },
    { initialDelayMs: config.identityProviderChecks.retryInitialMs, maxDelayMs: config.identityProviderChecks.retryMaxMs },
  );
  const oidc = new OpenidClientGateway({
    clientSecrets: config.oidcClientSecrets,
    discoveryTtlMs: config.oidc.discoveryTtlMs,
    httpTimeoutMs: config.oidc.httpTimeoutMs,
    production: config.production,
    allowInsecureLoopback: config.allowInsecureLoopback,
    logger,
    onDiscovery: (slug, outcome) => availability.observe(slug, outcome),
  });
  steps.onClose('the identity-provider availability probe', () => availability.stop());
  await steps.step(
    (error) => `identityProviders (ROLEGATE_IDENTITY_PROVIDERS): cannot seed the identity providers: ${error.message}`,
    async () => {
      await availability.start(config.identityProviders);
      const { invalid } = await idps.list();
      for (const row of invalid)
        logger.error({ idp: row.slug, problem: row.problem }, 'identity provider settings are invalid; it cannot be used to sign in');
    },
  );
  const saml = samlGateway(config);
  steps.onClose('the SAML verifier', () => saml.close());
  const sessions = new SessionStore(kv, clock);
  const login = {
    idps: withUnavailableIdps(idps, availability),
    availability,
    transactions: new LoginTransactions(kv, config.sessions.loginTimeoutMs, platform.limits, logger),
    sessions,
    audit: platform.audit,
    oidc,
    saml,
    kv: kv.named('The session store (Redis)'),
    clock,
    publicUrl: config.server.publicUrl,
    maxSessionTtlMs: config.sessions.maxTtlMs,
    samlClockSkewMs: config.saml.clockSkewMs,
    limits: platform.limits,
    forgetCredentials,
  };
  return { login, sessions, idps };
}

function samlGateway(config: Config): NodeSamlGateway {
  return new NodeSamlGateway({
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
}

import { z } from 'zod';
import { boolean, nonEmptyString, oneOf } from './fields.js';
import { server } from './sections/server.js';
import { database } from './sections/database.js';
import { redis } from './sections/redis.js';
import { log } from './sections/log.js';
import { sessions } from './sections/sessions.js';
import { saml } from './sections/saml.js';
import { oidc } from './sections/oidc.js';
import { encryption } from './sections/encryption.js';
import { issuer } from './sections/issuer.js';
import { identityProviders } from './sections/identity-providers.js';
import { identityProviderChecks } from './sections/identity-provider-checks.js';
import { sessionTags } from './sections/session-tags.js';
import { credentials, sts } from './sections/exchange.js';
import { cli } from './sections/cli.js';
import { consoleSection } from './sections/console.js';
import { admin } from './sections/admin.js';
import { rateLimits } from './sections/rate-limits.js';
import { accessRequests } from './sections/access-requests.js';
import { notifications } from './sections/notifications.js';
import { revocations } from './sections/revocations.js';

// The whole configuration of a rolegate instance. Every key has a description
// (rendered into docs/configuration.md by `npm run docs:config`) and, where it
// makes sense, the environment variables that set it. Values from the
// environment win over the YAML file named by ROLEGATE_CONFIG.

export const configSchema = z.strictObject({
  mode: oneOf(['demo', 'production'])
    .default('demo')
    .meta({
      env: ['ROLEGATE_MODE'],
      description:
        'demo: embedded defaults allowed, development-only settings warn loudly. production: every security setting must be given explicitly.',
    }),
  allowInsecureLoopback: boolean()
    .default(false)
    .meta({
      env: ['ROLEGATE_ALLOW_INSECURE_LOOPBACK'],
      description:
        'Production mode only: accept plain-http URLs whose host is loopback (localhost, 127.0.0.0/8, [::1]) for sts.endpoint and the stsEndpoint of accounts, console.federationEndpoint, SAML IdP metadata, sign-in and sign-out URLs, and OIDC issuers that also set settings.allowInsecureLoopbackIssuer: a sidecar on the same host. Any other plain-http URL is still refused, and so are http server.publicUrl and issuer.webIdentityIssuer. Logged at warn on every start, naming each such URL. Has no effect in demo mode, which allows http anyway.',
    }),
  dataDir: nonEmptyString('a directory path')
    .default('.rolegate')
    .meta({ env: ['ROLEGATE_DATA_DIR'], description: 'Directory for local state in demo mode (the embedded database).' }),
  server,
  database,
  redis,
  log,
  sessions,
  saml,
  oidc,
  identityProviders,
  identityProviderChecks,
  encryption,
  issuer,
  sessionTags,
  sts,
  credentials,
  cli,
  console: consoleSection,
  admin,
  rateLimits,
  accessRequests,
  notifications,
  revocations,
});

/** The configuration as parsed, before defaults that depend on other keys are resolved. */
export type ParsedConfig = z.output<typeof configSchema>;

import { z } from 'zod';
import { identityProviderSeedSchema } from '../domain/identity-provider.js';
import { base64Keys, boolean, integer, keyValueMap, nonEmptyString, oneOf, stringList, trustProxy, url } from './fields.js';

// The whole configuration of a rolegate instance. Every key has a description
// (rendered into docs/configuration.md by `npm run docs:config`) and, where it
// makes sense, the environment variables that set it. Values from the
// environment win over the YAML file named by ROLEGATE_CONFIG.

const server = z
  .strictObject({
    host: nonEmptyString('a host name or IP address')
      .optional()
      .meta({
        env: ['ROLEGATE_HOST'],
        description: 'Address to listen on. Default: 127.0.0.1 in demo mode, 0.0.0.0 in production.',
      }),
    port: integer(0, 65535)
      .default(8080)
      .meta({ env: ['ROLEGATE_PORT', 'PORT'], description: 'TCP port to listen on (0 picks a free port).' }),
    publicUrl: url(['http', 'https'])
      .optional()
      .meta({
        env: ['ROLEGATE_PUBLIC_URL'],
        description:
          'The URL users reach rolegate at (scheme, host, optional port and path). Used for redirects, SAML metadata and cookies. Default: http://localhost:<port>. Must be https in production.',
      }),
    trustProxy: trustProxy()
      .default(false)
      .meta({
        env: ['ROLEGATE_TRUST_PROXY'],
        description:
          "Express 'trust proxy': which reverse proxies may set X-Forwarded-For/-Proto. Needed behind a TLS-terminating load balancer so cookies get the Secure flag and source IPs are right.",
      }),
    shutdownTimeoutMs: integer(1000, 600_000)
      .default(25_000)
      .meta({
        env: ['ROLEGATE_SHUTDOWN_TIMEOUT_MS'],
        description: 'On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are cut.',
      }),
  })
  .prefault({});

const database = z
  .strictObject({
    url: url(['postgres', 'postgresql'])
      .optional()
      .meta({
        env: ['DATABASE_URL'],
        secret: true,
        description:
          'PostgreSQL connection URL. Without it rolegate runs an embedded PostgreSQL (PGlite) in dataDir: single instance, demo only.',
      }),
    poolSize: integer(1, 100)
      .default(10)
      .meta({ env: ['ROLEGATE_DB_POOL_SIZE'], description: 'Connections in the PostgreSQL pool (the embedded database always uses 1).' }),
    autoMigrate: boolean()
      .optional()
      .meta({
        env: ['ROLEGATE_AUTO_MIGRATE'],
        description: 'Apply pending migrations at start-up. Default: on in demo mode, off in production (run `npm run db:migrate`).',
      }),
    connectTimeoutMs: integer(100, 60_000)
      .default(5000)
      .meta({ env: ['ROLEGATE_DB_CONNECT_TIMEOUT_MS'], description: 'How long to wait for a PostgreSQL connection.' }),
  })
  .prefault({});

const redis = z
  .strictObject({
    url: url(['redis', 'rediss'])
      .optional()
      .meta({
        env: ['REDIS_URL'],
        secret: true,
        description:
          'Redis URL for sessions, the credential cache and locks. Without it an in-process store is used: single instance, demo only.',
      }),
    keyPrefix: nonEmptyString()
      .default('rolegate:')
      .meta({ env: ['ROLEGATE_REDIS_PREFIX'], description: 'Prefix of every Redis key rolegate writes.' }),
    connectTimeoutMs: integer(100, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_REDIS_CONNECT_TIMEOUT_MS'],
        description: 'How long to wait for Redis at start-up and per reconnect attempt.',
      }),
  })
  .prefault({});

const log = z
  .strictObject({
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .meta({ env: ['LOG_LEVEL', 'ROLEGATE_LOG_LEVEL'], description: 'Minimum level of the JSON log lines written to stdout.' }),
  })
  .prefault({});

const sessions = z
  .strictObject({
    maxTtlMs: integer(60_000, 7 * 24 * 3_600_000)
      .default(8 * 3_600_000)
      .meta({
        env: ['ROLEGATE_SESSION_MAX_TTL_MS'],
        description:
          "Longest a login session lives. A session ends at the earlier of this and the IdP's own session expiry (OIDC id_token exp, SAML SessionNotOnOrAfter).",
      }),
    cookieName: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'expected 1-40 letters, digits, _ or -' })
      .default('rolegate_session')
      .meta({
        env: ['ROLEGATE_SESSION_COOKIE'],
        description: 'Name of the session cookie. Over https it gets the __Host- prefix, Secure, HttpOnly and SameSite=Lax.',
      }),
    loginTimeoutMs: integer(30_000, 1_800_000)
      .default(600_000)
      .meta({
        env: ['ROLEGATE_LOGIN_TIMEOUT_MS'],
        description: 'How long a started sign-in (state, nonce, PKCE verifier, SAML request id) waits for the IdP to answer.',
      }),
  })
  .prefault({});

const saml = z
  .strictObject({
    clockSkewMs: integer(0, 60_000)
      .default(30_000)
      .meta({
        env: ['ROLEGATE_SAML_CLOCK_SKEW_MS'],
        description: 'Clock skew tolerated on SAML NotBefore/NotOnOrAfter (at most 60 s; time checks cannot be disabled).',
      }),
    maxAssertionAgeMs: integer(10_000, 3_600_000)
      .default(300_000)
      .meta({
        env: ['ROLEGATE_SAML_MAX_ASSERTION_AGE_MS'],
        description: 'Oldest SAML assertion accepted, counted from its IssueInstant, whatever its NotOnOrAfter says.',
      }),
    spPrivateKey: nonEmptyString('a PEM private key')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_SP_PRIVATE_KEY'],
        secret: true,
        description:
          'PEM private key rolegate signs its SAML AuthnRequests and logout messages with (RSA-SHA256). Most IdPs require signed logout requests. Give saml.spCertificate with it.',
      }),
    spCertificate: nonEmptyString('a PEM certificate')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_SP_CERTIFICATE'],
        description: 'PEM certificate of saml.spPrivateKey, published in the SP metadata so IdPs can verify our signatures.',
      }),
    maxBodyBytes: integer(16_384, 2_097_152)
      .default(524_288)
      .meta({ env: ['ROLEGATE_SAML_MAX_BODY_BYTES'], description: 'Largest request body the SAML endpoints accept.' }),
  })
  .prefault({});

const oidc = z
  .strictObject({
    discoveryTtlMs: integer(60_000, 86_400_000)
      .default(3_600_000)
      .meta({
        env: ['ROLEGATE_OIDC_DISCOVERY_TTL_MS'],
        description:
          'How long OIDC discovery documents are cached before they are fetched again (JWKS refresh on unknown key ids regardless).',
      }),
    httpTimeoutMs: integer(500, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_OIDC_HTTP_TIMEOUT_MS'],
        description: 'Timeout of each call to an OIDC provider (discovery, JWKS, token, userinfo).',
      }),
  })
  .prefault({});

const encryption = z
  .strictObject({
    keys: base64Keys()
      .optional()
      .meta({
        env: ['ROLEGATE_ENCRYPTION_KEYS'],
        secret: true,
        description:
          "Keys that encrypt data at rest (cached AWS credentials, rolegate's signing keys): comma-separated base64 of 32 random bytes each (`openssl rand -base64 32`). The first encrypts, all decrypt: to rotate, put a new key first and keep the old one until cached entries expired and signing keys were re-sealed. Required in production. In demo mode a key is generated once into <dataDir>/encryption.key.",
      }),
  })
  .prefault({});

const issuer = z
  .strictObject({
    entityId: nonEmptyString('a URI')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_ENTITY_ID'],
        description:
          'The SAML entity id (Issuer) rolegate uses toward AWS, as registered in the IAM SAML provider. Default: <publicUrl>/saml/metadata. Changing it breaks every registered IAM SAML provider.',
      }),
    signingKeyFile: nonEmptyString('a file path')
      .optional()
      .meta({
        env: ['ROLEGATE_SIGNING_KEY_FILE'],
        description:
          'PEM file with an RSA private key (2048 bits or more) that signs SAML responses and web-identity JWTs. When neither this nor signingKey is set, rolegate generates its keys on first start and keeps them encrypted in PostgreSQL.',
      }),
    signingKey: nonEmptyString('a PEM private key')
      .optional()
      .meta({
        env: ['ROLEGATE_SIGNING_KEY'],
        secret: true,
        description: 'The same as signingKeyFile, as PEM text (for secret managers that inject environment variables).',
      }),
    publishedKeyFiles: stringList('a comma-separated list of PEM file paths')
      .default([])
      .meta({
        env: ['ROLEGATE_PUBLISHED_KEY_FILES'],
        description:
          'With a file or environment signing key: further PEM files (certificates, public or private keys) published in the SAML metadata and JWKS without signing: the next key before a rotation, or the previous one until its last assertion expired.',
      }),
    keyBits: integer(2048, 4096)
      .refine((bits) => bits % 1024 === 0, { error: 'expected 2048, 3072 or 4096' })
      .default(2048)
      .meta({ env: ['ROLEGATE_SIGNING_KEY_BITS'], description: 'RSA modulus length of generated signing keys (2048, 3072 or 4096).' }),
    assertionLifetimeSeconds: integer(30, 300)
      .default(300)
      .meta({
        env: ['ROLEGATE_ASSERTION_LIFETIME_SECONDS'],
        description:
          'How long a minted SAML assertion or web-identity JWT is valid (NotOnOrAfter, exp). At most 5 minutes: it is only carried from rolegate to STS.',
      }),
    webIdentityIssuer: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_WEB_IDENTITY_ISSUER'],
        description:
          'The OIDC issuer URL rolegate uses toward AWS for web-identity roles (the `iss` of minted JWTs; discovery at <issuer>/.well-known/openid-configuration). Default: the public URL. AWS must reach it over https.',
      }),
    webIdentityAudience: nonEmptyString()
      .default('sts.amazonaws.com')
      .meta({
        env: ['ROLEGATE_WEB_IDENTITY_AUDIENCE'],
        description: 'The `aud` of minted JWTs; register it as the client id (audience) of the IAM OIDC provider.',
      }),
    sessionNameIdp: nonEmptyString('an IdP slug')
      .optional()
      .meta({
        env: ['ROLEGATE_SESSION_NAME_IDP'],
        description:
          'The IdP whose user subjects become RoleSessionName and SourceIdentity unchanged when valid (alice@corp.com). Subjects of other IdPs, and ones that need sanitising, get a hash suffix so names never collide between users.',
      }),
  })
  .prefault({});

const identityProviders = z
  .preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    },
    z.array(identityProviderSeedSchema, { error: 'expected a list of identity providers (YAML list, or JSON in the environment)' }),
  )
  .default([])
  .meta({
    env: ['ROLEGATE_IDENTITY_PROVIDERS'],
    secret: true,
    description:
      'Identity providers upserted by slug into the database at start-up (see docs/authentication.md). Each: slug, displayName, kind (oidc|saml), enabled, groupsFrom, settings, and for OIDC confidential clients clientSecret (kept in memory, never stored).',
  });
const sessionTags = z
  .strictObject({
    attributes: keyValueMap(['subject', 'username', 'email', 'displayName', 'idp', 'id'])
      .default({})
      .meta({
        env: ['ROLEGATE_SESSION_TAG_ATTRIBUTES'],
        description:
          'Session tags from user attributes: tag key → attribute (subject, username, email, displayName, idp, id), e.g. `Email=email,User=username`. Roles must allow sts:TagSession in their trust policy.',
      }),
    groupPatterns: stringList('a comma-separated list of group globs')
      .default([])
      .meta({
        env: ['ROLEGATE_SESSION_TAG_GROUPS'],
        description:
          'Globs of group names that become one session tag each (`<groupKeyPrefix><group>` = `true`). Empty: no group tags. AWS accepts at most 50 tags.',
      }),
    groupKeyPrefix: z
      .string()
      .default('group:')
      .meta({ env: ['ROLEGATE_SESSION_TAG_GROUP_PREFIX'], description: 'Prefix of the tag key of each group tag.' }),
    transitiveKeys: stringList('a comma-separated list of tag keys')
      .default([])
      .meta({
        env: ['ROLEGATE_SESSION_TAG_TRANSITIVE'],
        description: 'Tag keys that stay set through role chaining (TransitiveTagKeys).',
      }),
  })
  .prefault({});

export const configSchema = z.strictObject({
  mode: oneOf(['demo', 'production'])
    .default('demo')
    .meta({
      env: ['ROLEGATE_MODE'],
      description:
        'demo: embedded defaults allowed, development-only settings warn loudly. production: every security setting must be given explicitly.',
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
  encryption,
  issuer,
  sessionTags,
});

/** The configuration as parsed, before defaults that depend on other keys are resolved. */
export type ParsedConfig = z.output<typeof configSchema>;

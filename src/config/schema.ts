import { z } from 'zod';
import { boolean, integer, nonEmptyString, oneOf, trustProxy, url } from './fields.js';

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
});

/** The configuration as parsed, before defaults that depend on other keys are resolved. */
export type ParsedConfig = z.output<typeof configSchema>;

import { z } from 'zod';
import { boolean, integer, nonEmptyString, url } from '../fields.js';

export const database = z
  .strictObject({
    url: url(['postgres', 'postgresql'])
      .optional()
      .meta({
        env: ['DATABASE_URL'],
        secret: true,
        description:
          'PostgreSQL connection URL. For TLS add ?sslmode=verify-full (the certificate must chain to a trusted CA and name the host); with database.tls.caFile TLS is always on. Without it rolegate runs an embedded PostgreSQL (PGlite) in dataDir: single instance, demo only.',
      }),
    tls: z
      .strictObject({
        caFile: nonEmptyString('a file path')
          .optional()
          .meta({
            env: ['ROLEGATE_DB_CA_FILE'],
            description:
              "PEM file of the certificate authorities that may sign PostgreSQL's TLS certificate (e.g. the RDS global bundle), used instead of Node's built-in list; read at start-up. With it every connection uses TLS and verifies the certificate and host name (sslmode=verify-full); database.url may then carry sslmode=verify-full or no sslmode, and no sslrootcert.",
          }),
      })
      .prefault({}),
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
      .meta({
        env: ['ROLEGATE_DB_CONNECT_TIMEOUT_MS'],
        description: 'How long to wait for PostgreSQL at start-up (and for the migrator). Requests wait at most acquireTimeoutMs.',
      }),
    acquireTimeoutMs: integer(50, 60_000)
      .default(1500)
      .meta({
        env: ['ROLEGATE_DB_ACQUIRE_TIMEOUT_MS'],
        description:
          'How long a request waits for a PostgreSQL connection (a free one from the pool, or a new one opened) before it answers 503. Counts toward queryTimeoutMs.',
      }),
    queryTimeoutMs: integer(100, 600_000)
      .default(2000)
      .meta({
        env: ['ROLEGATE_DB_QUERY_TIMEOUT_MS'],
        description:
          'The longest one query of a request may take, from asking for a connection to the answer; then the request answers 503 and the connection is dropped (a stalled network or server). In a transaction, each statement. Keep it above statementTimeoutMs.',
      }),
    statementTimeoutMs: integer(0, 600_000)
      .default(1500)
      .meta({
        env: ['ROLEGATE_DB_STATEMENT_TIMEOUT_MS'],
        description:
          "PostgreSQL's statement_timeout for rolegate's connections: the server cancels a statement that runs longer, so the outcome of a slow write is known (not committed). Audit retention and audit searches get longer limits of their own. 0 leaves the server's setting (for poolers that refuse startup parameters, e.g. PgBouncer without ignore_startup_parameters).",
      }),
    idleInTransactionTimeoutMs: integer(0, 3_600_000)
      .default(10_000)
      .meta({
        env: ['ROLEGATE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS'],
        description:
          "PostgreSQL's idle_in_transaction_session_timeout for rolegate's connections: a session that stays idle inside a transaction this long (an instance that froze mid-transaction) is ended and its locks freed. 0 leaves the server's setting.",
      }),
    auditCommitTimeoutMs: integer(100, 60_000)
      .default(1800)
      .meta({
        env: ['ROLEGATE_DB_AUDIT_COMMIT_TIMEOUT_MS'],
        description:
          'How long a request waits for its audit row to be committed. Past it the request is refused with 503 and Retry-After (no audit row, no credentials), whether the row was still queued or its commit outcome is unknown. The default keeps a credentials answer, with the rest of the request, under 2 s.',
      }),
    auditQueueMaxRows: integer(100, 1_000_000)
      .default(10_000)
      .meta({
        env: ['ROLEGATE_DB_AUDIT_QUEUE_MAX_ROWS'],
        description:
          'Audit rows that may wait to be written at once; beyond it requests that need one are refused at once with 503 and Retry-After instead of queueing while PostgreSQL is slow.',
      }),
  })
  .prefault({});

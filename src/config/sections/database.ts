import { z } from 'zod';
import { boolean, integer, url } from '../fields.js';

export const database = z
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

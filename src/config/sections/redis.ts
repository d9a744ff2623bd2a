import { z } from 'zod';
import { integer, nonEmptyString, url } from '../fields.js';

export const redis = z
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

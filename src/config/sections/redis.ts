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
    nearCacheMs: integer(0, 60_000)
      .default(10_000)
      .meta({
        env: ['ROLEGATE_REDIS_NEAR_CACHE_MS'],
        description:
          'How long a value read from Redis (a login session, sealed cached credentials) may be answered from process memory. Redis client tracking (RESP3, Redis 6+) drops the copy as soon as any instance changes the key; this bounds its life regardless. 0 reads Redis every time (for Redis-compatible servers without CLIENT TRACKING).',
      }),
  })
  .prefault({});

import { z } from 'zod';
import { integer, nonEmptyString, stringList, url } from '../fields.js';

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/;

export const redis = z
  .strictObject({
    url: url(['redis', 'rediss'])
      .optional()
      .meta({
        env: ['REDIS_URL'],
        secret: true,
        description:
          'Redis URL for sessions, the credential cache and locks: redis://host:port, or rediss:// for TLS; an ACL user and password go in it (rediss://user:password@host:port, percent-encoded). Without it an in-process store is used: single instance, demo only.',
      }),
    tls: z
      .strictObject({
        caFile: nonEmptyString('a file path')
          .optional()
          .meta({
            env: ['ROLEGATE_REDIS_CA_FILE'],
            description:
              "PEM file of the certificate authorities that may sign Redis's TLS certificate (a private CA), used instead of Node's built-in list; read at start-up. Needs a rediss:// redis.url. Without it, the server certificate must chain to a public CA.",
          }),
        servername: nonEmptyString('a host name')
          .optional()
          .meta({
            env: ['ROLEGATE_REDIS_TLS_SERVERNAME'],
            description:
              "The name Redis's certificate must carry (also sent as SNI), when it is not the host of redis.url (connecting by IP address, or through a tunnel). Needs a rediss:// redis.url.",
          }),
      })
      .prefault({}),
    sentinel: z
      .strictObject({
        nodes: stringList('a comma-separated list of host:port')
          .refine((nodes) => nodes.every((node) => HOST_PORT.test(node.trim())), { error: 'expected a comma-separated list of host:port' })
          .default([])
          .meta({
            env: ['ROLEGATE_REDIS_SENTINELS'],
            description:
              "Redis Sentinel: host:port of some sentinels (e.g. redis-sentinel-1:26379,redis-sentinel-2:26379). rolegate asks them for the primary of redis.sentinel.masterName at start-up, and again whenever its connection breaks or a write meets a replica (READONLY), then follows the new primary without a restart. redis.url still gives the scheme (rediss:// for TLS), the ACL user and password of the data nodes; its host and port are replaced by the primary's. Sentinels are asked over plain TCP without a password (sentinel's own requirepass is not supported yet). Empty: no Sentinel.",
          }),
        masterName: nonEmptyString('a Sentinel master name')
          .default('mymaster')
          .meta({
            env: ['ROLEGATE_REDIS_SENTINEL_MASTER'],
            description: "The name the sentinels monitor the primary under (sentinel.conf's `sentinel monitor <name> …`).",
          }),
      })
      .prefault({}),
    keyPrefix: nonEmptyString()
      .default('rolegate:')
      .meta({ env: ['ROLEGATE_REDIS_PREFIX'], description: 'Prefix of every Redis key rolegate writes.' }),
    connectTimeoutMs: integer(100, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_REDIS_CONNECT_TIMEOUT_MS'],
        description: 'How long to wait for Redis at start-up and per reconnect attempt.',
      }),
    commandTimeoutMs: integer(100, 60_000)
      .default(2000)
      .meta({
        env: ['ROLEGATE_REDIS_COMMAND_TIMEOUT_MS'],
        description:
          'How long one Redis command may take before the request answers 503. A connection whose heartbeat PING (or handshake) goes unanswered this long is taken as stalled, closed and opened again.',
      }),
    nearCacheProofMs: integer(100, 10_000)
      .default(1000)
      .meta({
        env: ['ROLEGATE_REDIS_NEAR_CACHE_PROOF_MS'],
        description:
          'A value is answered from process memory only while Redis has answered, on the tracking connection, a command sent at most this long ago: that reply proves every invalidation sent before it has arrived. A heartbeat PING goes out every third of it. This bounds how long a logout or revocation on another instance can go unnoticed here, even when the connection to Redis stalls (add the milliseconds an invalidation takes); see docs/operations.md.',
      }),
    nearCacheMs: integer(0, 60_000)
      .default(10_000)
      .meta({
        env: ['ROLEGATE_REDIS_NEAR_CACHE_MS'],
        description:
          'How long a value read from Redis (a login session, sealed cached credentials) may be answered from process memory. Redis client tracking (RESP3, Redis 6+) drops the copy as soon as any instance changes the key; this bounds its life regardless. 0 reads Redis every time (for Redis-compatible servers without CLIENT TRACKING).',
      }),
    nearCacheMaxEntries: integer(100, 10_000_000)
      .default(20_000)
      .meta({
        env: ['ROLEGATE_REDIS_NEAR_CACHE_MAX_ENTRIES'],
        description:
          'Values the near cache holds at most (about one per signed-in user, plus one per user and role in use); the least recently used are dropped first and read from Redis again when asked for.',
      }),
    nearCacheMaxBytes: integer(1024 * 1024, 16 * 1024 * 1024 * 1024)
      .default(64 * 1024 * 1024)
      .meta({
        env: ['ROLEGATE_REDIS_NEAR_CACHE_MAX_BYTES'],
        description:
          'Approximate memory the near cache may hold, in bytes (keys, values and a fixed allowance per entry); the least recently used values are dropped first. See docs/operations.md for the size of one session and one set of cached credentials.',
      }),
  })
  .prefault({});

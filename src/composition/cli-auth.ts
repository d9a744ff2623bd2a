import { PrismaCliGrantStore } from '../adapters/db/prisma-cli-grant-store.js';
import { AccessTokens } from '../features/cli-auth/access-tokens.js';
import type { CliAuthDeps } from '../features/cli-auth/cli-auth-deps.js';
import type { Platform } from './platform.js';

/** rolegate as the authorization server of its own CLI: grants in PostgreSQL, access tokens in the KvStore. */
export function buildCliAuth(platform: Platform): CliAuthDeps {
  const { config, kv, clock } = platform;
  return {
    grants: new PrismaCliGrantStore(platform.database.prisma),
    accessTokens: new AccessTokens(kv, clock, config.cli.accessTokenTtlMs),
    kv,
    audit: platform.audit,
    clock,
    publicUrl: config.server.publicUrl,
    settings: {
      accessTokenTtlMs: config.cli.accessTokenTtlMs,
      authorizationCodeTtlMs: config.cli.authorizationCodeTtlMs,
      deviceCodeTtlMs: config.cli.deviceCodeTtlMs,
      devicePollIntervalSeconds: config.cli.devicePollIntervalSeconds,
      maxSessionTtlMs: config.sessions.maxTtlMs,
      consentTimeoutMs: config.sessions.loginTimeoutMs,
    },
  };
}

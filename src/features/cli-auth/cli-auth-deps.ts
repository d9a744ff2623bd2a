import type { AuditLog } from '../../ports/audit-log.js';
import type { CliGrantStore } from '../../ports/cli-grant-store.js';
import type { Clock } from '../../ports/clock.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { AccessTokens } from './access-tokens.js';

/** Lifetimes and limits of rolegate's authorization server for its CLI (config `cli.*`). */
export interface CliAuthSettings {
  accessTokenTtlMs: number;
  authorizationCodeTtlMs: number;
  deviceCodeTtlMs: number;
  devicePollIntervalSeconds: number;
  /** `sessions.maxTtlMs`: no grant outlives it. */
  maxSessionTtlMs: number;
  /** How long a consent page stays answerable (`sessions.loginTimeoutMs`). */
  consentTimeoutMs: number;
}

/** What the CLI authorization use cases need; built once in src/composition/cli-auth.ts. */
export interface CliAuthDeps {
  grants: CliGrantStore;
  accessTokens: AccessTokens;
  kv: KvStore;
  audit: AuditLog;
  clock: Clock;
  /** The issuer: rolegate's public URL (RFC 8414 `issuer`, RFC 9207 `iss`). */
  publicUrl: URL;
  settings: CliAuthSettings;
}

/** rolegate's issuer identifier: its public URL without a trailing slash. */
export function issuerOf(publicUrl: URL): string {
  return publicUrl.href.replace(/\/$/, '');
}

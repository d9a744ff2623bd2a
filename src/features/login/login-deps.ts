import type { AuditLog } from '../../ports/audit-log.js';
import type { Clock } from '../../ports/clock.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';
import type { OidcGateway } from '../../ports/oidc-gateway.js';
import type { SamlGateway } from '../../ports/saml-gateway.js';
import type { Limits } from '../rate-limits/limits.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { IdentityProviderAvailability } from './identity-provider-availability.js';
import type { LoginTransactions } from './login-transactions.js';

/** What the sign-in use cases need; built once in src/composition/login.ts. */
export interface LoginDeps {
  idps: IdentityProviderStore;
  transactions: LoginTransactions;
  sessions: SessionStore;
  audit: AuditLog;
  oidc: OidcGateway;
  saml: SamlGateway;
  kv: KvStore;
  clock: Clock;
  /** The externally visible base URL (redirect URIs, ACS URLs). */
  publicUrl: URL;
  maxSessionTtlMs: number;
  samlClockSkewMs: number;
  /** Rate limits: sign-in starts and callbacks per client address (the HTTP routes), pending sign-ins (transactions). */
  limits: Limits;
  /** Drops a user's cached AWS credentials when they sign out (the credential cache). */
  forgetCredentials?: (principalId: string) => Promise<unknown>;
  /** Which configured IdPs can be reached now (the chooser, /readyz, metrics). */
  availability?: IdentityProviderAvailability;
}

/** Who is asking, for the audit trail. */
export interface RequestContext {
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
  log: Logger;
}

export function publicUrlFor(publicUrl: URL, path: string): string {
  return new URL(path.replace(/^\//, ''), publicUrl.href.endsWith('/') ? publicUrl.href : `${publicUrl.href}/`).href;
}

import type { Principal } from '../domain/principal.js';

/** A client of rolegate's authorization server (table cli_clients). All are public clients. */
export interface CliClient {
  id: string;
  name: string;
}

export type CliGrantFlow = 'loopback' | 'device';

/** One authorisation of a CLI on one machine: a refresh-token family (table cli_grants). */
export interface CliGrant {
  id: string;
  clientId: string;
  /** As of the sign-in that approved the grant; entitlements are still computed per request. */
  principal: Principal;
  deviceName: string;
  flow: CliGrantFlow;
  /** sha256 id of the login session that approved it. */
  loginSessionId: string;
  sourceIp?: string;
  createdAt: Date;
  lastUsedAt: Date;
  /** Absolute end of the grant and of every token in it. */
  expiresAt: Date;
  revokedAt?: Date;
  revokedReason?: string;
}

export interface NewCliGrant {
  /** Chosen by the caller (a UUID), so the audit row can name the grant before it exists. */
  id: string;
  clientId: string;
  principal: Principal;
  deviceName: string;
  flow: CliGrantFlow;
  loginSessionId: string;
  sourceIp?: string;
  now: Date;
  expiresAt: Date;
}

/** A refresh token as stored: only its hash is ever kept. */
export interface RefreshTokenRecord {
  id: string;
  grantId: string;
  clientId: string;
  expiresAt: Date;
  /** Set once it was exchanged for its successor: presenting it again is reuse (RFC 9700 §4.14.2). */
  rotatedAt?: Date;
  revokedAt?: Date;
}

/**
 * Durable state of CLI grants and their refresh tokens (PostgreSQL).
 * Access tokens are not here: they live hashed in the KvStore so that
 * checking one costs no database query.
 */
export interface CliGrantStore {
  findClient(clientId: string): Promise<CliClient | null>;
  /** Creates a grant and its first refresh token (by hash), in one transaction. */
  createGrant(grant: NewCliGrant, refreshTokenHash: string): Promise<CliGrant>;
  findGrant(grantId: string): Promise<CliGrant | null>;
  /** The refresh token with this hash and its grant, or null. */
  findRefreshToken(tokenHash: string): Promise<{ token: RefreshTokenRecord; grant: CliGrant } | null>;
  /**
   * Atomically marks `tokenId` rotated — only while it is neither rotated nor
   * revoked — stores its successor (by hash) and records the grant's last use.
   * False when another request rotated or revoked it first.
   */
  rotateRefreshToken(tokenId: string, successorHash: string, now: Date): Promise<boolean>;
  /** Revokes the grant and every token of it; false when unknown or already revoked. */
  revokeGrant(grantId: string, reason: string, now: Date): Promise<boolean>;
  /** Revokes every live grant of a principal; returns the ids revoked. */
  revokeGrantsOf(principalId: string, reason: string, now: Date): Promise<string[]>;
  /** Grants of a principal that are neither revoked nor expired at `now`, newest first. */
  listActiveGrants(principalId: string, now: Date): Promise<CliGrant[]>;
  /** How many grants of anybody are neither revoked nor expired at `now` (the active CLI sessions gauge). */
  countActiveGrants(now: Date): Promise<number>;
}

import { z } from 'zod';
import type { Principal } from '../../domain/principal.js';
import type { CliGrant } from '../../ports/cli-grant-store.js';
import type { Clock } from '../../ports/clock.js';
import type { KvStore } from '../../ports/kv-store.js';
import { recordCodec } from '../../support/record-codec.js';
import { principalSchema } from '../sessions/session-record.js';
import { grantIdOfAccessToken, newAccessToken, sha256 } from './secrets.js';

/** What a valid CLI access token stands for. */
export interface AccessTokenGrant {
  grantId: string;
  clientId: string;
  principal: Principal;
  deviceName: string;
  /** ms since epoch. */
  expiresAt: number;
  /** When the whole grant ends (ms since epoch). */
  grantExpiresAt: number;
}

/** An access token's record in Redis (`cli-at:<sha256 of the token>`). */
export const accessTokenRecord = recordCodec(
  'CLI access token',
  z.object({
    grantId: z.string(),
    clientId: z.string(),
    principal: principalSchema,
    deviceName: z.string(),
    expiresAt: z.number(),
    grantExpiresAt: z.number(),
  }) satisfies z.ZodType<AccessTokenGrant>,
);

/** Every access token record's key starts with this. */
export const ACCESS_TOKEN_KEY_PREFIX = 'cli-at:';
const tokenKey = (hash: string) => `${ACCESS_TOKEN_KEY_PREFIX}${hash}`;
const revokedKey = (grantId: string) => `cli-grant-revoked:${grantId}`;

/**
 * Short-lived opaque access tokens in the KvStore, keyed by their sha256.
 * Checking one is one Redis round trip (the token's record and its grant's
 * revocation marker are read together) — no database query per API call.
 * Revoking a grant writes a marker that outlives every access token issued
 * before it, so revocation takes effect at once, even against a refresh that
 * raced it.
 */
export class AccessTokens {
  private readonly kv: KvStore;

  constructor(
    kv: KvStore,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {
    this.kv = kv.named('The token store (Redis)');
  }

  async issue(grant: CliGrant): Promise<{ token: string; expiresAt: number }> {
    const now = this.clock.now();
    const expiresAt = Math.min(now + this.ttlMs, grant.expiresAt.getTime());
    const token = newAccessToken(grant.id);
    const record: AccessTokenGrant = {
      grantId: grant.id,
      clientId: grant.clientId,
      principal: grant.principal,
      deviceName: grant.deviceName,
      expiresAt,
      grantExpiresAt: grant.expiresAt.getTime(),
    };
    await this.kv.set(tokenKey(sha256(token)), accessTokenRecord.encode(record), Math.max(1000, expiresAt - now));
    return { token, expiresAt };
  }

  /**
   * The grant behind a live token, or null (malformed, unknown, expired or
   * revoked, or a record this release cannot read: the CLI refreshes and gets
   * one it can). Store failures reject.
   */
  async verify(token: string): Promise<AccessTokenGrant | null> {
    const grantId = grantIdOfAccessToken(token);
    if (grantId === undefined) return null;
    const [raw, revoked] = await Promise.all([this.kv.get(tokenKey(sha256(token))), this.kv.get(revokedKey(grantId))]);
    if (raw === null || revoked !== null) return null;
    const read = accessTokenRecord.decode(raw);
    if (!read.ok) return null;
    const record = read.value;
    if (record.grantId !== grantId || record.expiresAt <= this.clock.now()) return null;
    return record;
  }

  /** Makes every access token of the grant invalid at once. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.kv.set(revokedKey(grantId), '1', this.ttlMs + 60_000);
  }
}

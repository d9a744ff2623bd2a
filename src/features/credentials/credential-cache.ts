import { hash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../ports/clock.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Sealer } from '../../ports/sealer.js';
import { DecodedValues } from '../../support/decoded-values.js';
import { recordCodec } from '../../support/record-codec.js';
import { sessionPolicyFingerprint, type SessionPolicy } from '../../domain/session-policy.js';

/** 128 bits of SHA-256: enough that two different policies never meet in one key. */
function policyDigest(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 22);
}

/** What rolegate keeps of one STS answer. The whole value is sealed at rest. */
export interface CachedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ms since epoch. */
  expiresAt: number;
  assumedRoleArn: string;
  sessionName: string;
  sourceIdentity?: string;
  /** ms since epoch. */
  issuedAt: number;
}

/** Cached credentials, as sealed in Redis (`creds:<user>:<role>:<duration>`); also what a flight hands its followers. */
export const cachedCredentialsRecord = recordCodec(
  'cached credentials',
  z.object({
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1),
    expiresAt: z.number(),
    assumedRoleArn: z.string(),
    sessionName: z.string(),
    sourceIdentity: z.string().optional(),
    issuedAt: z.number(),
  }) satisfies z.ZodType<CachedCredentials>,
);

/** Every cached credentials entry's key starts with this. */
export const CREDENTIALS_KEY_PREFIX = 'creds:';

export interface CacheSlot {
  principalId: string;
  roleId: string;
  durationSeconds: number;
  /** The just-in-time grant the credentials are issued under: its own entries, never shared with standing access or another grant. */
  grantId?: string;
  /** One break-glass use: its own entry and STS session, never served to another use (issue-credentials.ts). */
  useId?: string;
  /**
   * The session policies the credentials were issued under (domain/session-policy.ts): part of the key, so
   * credentials narrowed by one mapping's policy are never served for another's, nor for the unrestricted role.
   */
  sessionPolicy?: SessionPolicy;
}

/**
 * Issued credentials in the KvStore, one entry per (user, role, duration),
 * AES-256-GCM sealed with the entry's key as additional data — so an entry
 * copied under another user's or role's key does not open. An entry is only
 * kept while it has more than the refresh margin of life left (its TTL ends
 * there), so whatever is found may be served. Each user's entries are indexed
 * so logout and revocation can drop them all.
 */
export class CredentialCache {
  /**
   * Opened entries, reused while Redis holds the very same sealed text:
   * opening one (AES-GCM and JSON) was the largest part of a cached answer's
   * CPU. The plaintext lives in this process's memory as it does while each
   * answer is built; the keys that open every entry live here too.
   */
  readonly #opened = new DecodedValues<CachedCredentials | Unusable>(20_000);
  private readonly kv: KvStore;

  constructor(
    kv: KvStore,
    private readonly sealer: Sealer,
    private readonly clock: Clock,
    private readonly refreshMarginMs: number,
  ) {
    this.kv = kv.named('The credential cache (Redis)');
  }

  keyOf(slot: CacheSlot): string {
    const plain = `${CREDENTIALS_KEY_PREFIX}${userHash(slot.principalId)}:${slot.roleId}:${String(slot.durationSeconds)}`;
    // Without session policies the key is what it always was; with them, a digest of exactly what STS was sent.
    const policies = sessionPolicyFingerprint(slot.sessionPolicy, policyDigest);
    const base = policies === 'none' ? plain : `${plain}:sp:${policies}`;
    if (slot.useId !== undefined) return `${base}:use:${slot.useId}`;
    return slot.grantId === undefined ? base : `${base}:grant:${slot.grantId}`;
  }

  /** The usable entry, or undefined (absent, expiring within the margin, not opening, or of a version this release cannot read). */
  async get(key: string): Promise<CachedCredentials | undefined> {
    const sealed = await this.kv.get(key);
    if (sealed === null) {
      this.#opened.forget(key);
      return undefined;
    }
    const entry = this.#opened.decode(key, sealed, (text) => {
      const opened = this.sealer.open(text, key);
      // Tampered, sealed under a retired key, or a record this release cannot read: a miss, refetched.
      if (!opened.ok) return UNUSABLE;
      const read = cachedCredentialsRecord.decode(opened.plaintext.toString('utf8'));
      return read.ok ? read.value : UNUSABLE;
    });
    if ('unusable' in entry) return undefined;
    return entry.expiresAt - this.clock.now() > this.marginFor(entry) ? entry : undefined;
  }

  /**
   * Stores an entry until its refresh margin; returns false when it is too short-lived to cache.
   * The entry and its two index entries are sent together (one round trip, applied in this order);
   * an index entry whose value was not stored only costs a no-op delete later.
   */
  async set(key: string, slot: CacheSlot, entry: CachedCredentials): Promise<boolean> {
    const now = this.clock.now();
    const ttlMs = entry.expiresAt - now - this.marginFor(entry);
    if (ttlMs <= 0) return false;
    const sealed = this.sealer.seal(cachedCredentialsRecord.encode(entry), key);
    const lifeMs = entry.expiresAt - now;
    const writes = [
      this.kv.set(key, sealed, ttlMs),
      this.kv.addToSet(indexKey(slot.principalId), key, lifeMs),
      this.kv.addToSet(roleIndexKey(slot.roleId), key, lifeMs),
    ];
    // Every write settles before the answer (none is left running); the first failure is the answer's.
    const results = await Promise.allSettled(writes);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    return true;
  }

  /** Drops every cached entry of a user (logout, revocation). Returns how many existed. */
  async deleteAllFor(principalId: string): Promise<number> {
    const index = indexKey(principalId);
    const keys = await this.kv.setMembers(index);
    const deleted = keys.length > 0 ? await this.kv.delete(...keys) : 0;
    await this.kv.delete(index);
    for (const key of keys) this.#opened.forget(key);
    return deleted;
  }

  /** Drops one user's cached entries for one role (a just-in-time grant ended). Returns how many existed. */
  async deleteFor(principalId: string, roleId: string): Promise<number> {
    const prefix = `${CREDENTIALS_KEY_PREFIX}${userHash(principalId)}:${roleId}:`;
    const keys = (await this.kv.setMembers(indexKey(principalId))).filter((key) => key.startsWith(prefix));
    const deleted = keys.length > 0 ? await this.kv.delete(...keys) : 0;
    for (const key of keys) this.#opened.forget(key);
    return deleted;
  }

  /** Drops every cached entry of a role, whoever it was issued to (role revocation). Returns how many existed. */
  async deleteAllForRole(roleId: string): Promise<number> {
    const index = roleIndexKey(roleId);
    const keys = await this.kv.setMembers(index);
    const deleted = keys.length > 0 ? await this.kv.delete(...keys) : 0;
    await this.kv.delete(index);
    for (const key of keys) this.#opened.forget(key);
    return deleted;
  }

  /**
   * The margin for one entry: the configured one, but at most half the
   * session's life, so short sessions (15 min) are still cached a while.
   */
  private marginFor(entry: CachedCredentials): number {
    return Math.min(this.refreshMarginMs, Math.floor((entry.expiresAt - entry.issuedAt) / 2));
  }
}

/** An entry that does not open: a frozen marker, so DecodedValues can keep it too. */
const UNUSABLE = Object.freeze({ unusable: true as const });
type Unusable = typeof UNUSABLE;

const userHashes = new Map<string, string>();

/** Users appear in keys only hashed: a Redis key listing names no one. Remembered per user (a sha256 per request adds up). */
function userHash(principalId: string): string {
  let known = userHashes.get(principalId);
  if (known === undefined) {
    known = hash('sha256', principalId, 'base64url').slice(0, 32);
    if (userHashes.size >= 50_000) userHashes.clear();
    userHashes.set(principalId, known);
  }
  return known;
}

function roleIndexKey(roleId: string): string {
  return `creds-role-index:${roleId}`;
}

function indexKey(principalId: string): string {
  return `creds-index:${userHash(principalId)}`;
}

import { z } from 'zod';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';
import { recordCodec } from '../../support/record-codec.js';

/** How many recently used roles the portal pins. */
export const RECENT_LIMIT = 5;
const FAVOURITES_LIMIT = 50;
/** Preferences of someone who has not used the portal for this long are forgotten. */
const TTL_MS = 180 * 24 * 3600_000;

export interface RolePrefs {
  /** Role keys (`<accountId>/<roleName>`), in the order they were starred. */
  favourites: string[];
  /** Role keys, most recent first. */
  recent: string[];
}

/**
 * A user's preferences in Redis (`portal:prefs:<principal id>`). Entries that
 * are not strings are dropped rather than failing the whole record.
 */
export const rolePrefsRecord = recordCodec(
  'role preferences',
  z.object({
    favourites: z.array(z.unknown()).catch([]).transform(strings),
    recent: z.array(z.unknown()).catch([]).transform(strings),
  }) satisfies z.ZodType<RolePrefs>,
);

export const roleKey = (accountId: string, role: string) => `${accountId}/${role}`;

/**
 * The portal's per-user favourites and recently used roles, in the KV store.
 * Only role keys are kept (no secrets); a lost update between two tabs is
 * harmless, so plain read-modify-write is enough.
 */
export class RolePreferences {
  private readonly kv: KvStore;

  constructor(kv: KvStore) {
    this.kv = kv.named('The preference store (Redis)');
  }

  async get(principalId: string): Promise<RolePrefs> {
    const raw = await this.kv.get(this.key(principalId));
    // Absent, garbled, or written by a newer release: none (preferences are a convenience, not state).
    const read = raw === null ? undefined : rolePrefsRecord.decode(raw);
    return read?.ok ? read.value : { favourites: [], recent: [] };
  }

  /** Stars or unstars a role; true when it is now a favourite. */
  async toggleFavourite(principalId: string, accountId: string, role: string): Promise<boolean> {
    const prefs = await this.get(principalId);
    const key = roleKey(accountId, role);
    const starred = !prefs.favourites.includes(key);
    prefs.favourites = starred ? [...prefs.favourites, key].slice(-FAVOURITES_LIMIT) : prefs.favourites.filter((k) => k !== key);
    await this.save(principalId, prefs);
    return starred;
  }

  /** Moves a role to the front of the recently used list. Best effort: a failure is logged, never thrown. */
  async touchRecent(principalId: string, accountId: string, role: string, log: Logger): Promise<void> {
    try {
      const prefs = await this.get(principalId);
      const key = roleKey(accountId, role);
      prefs.recent = [key, ...prefs.recent.filter((k) => k !== key)].slice(0, RECENT_LIMIT);
      await this.save(principalId, prefs);
    } catch (error) {
      log.warn({ reason: (error as Error).message }, 'could not remember a recently used role');
    }
  }

  private save(principalId: string, prefs: RolePrefs): Promise<void> {
    return this.kv.set(this.key(principalId), rolePrefsRecord.encode(prefs), TTL_MS);
  }

  private key(principalId: string): string {
    return `portal:prefs:${principalId}`;
  }
}

function strings(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

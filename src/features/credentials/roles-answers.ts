import type { AccessIndex } from '../../domain/access-index.js';
import { scopedEntitlementsIn, type DecisionScope } from '../../domain/entitlements.js';
import type { Principal } from '../../domain/principal.js';
import type { Clock } from '../../ports/clock.js';
import type { AccessModelCache } from './access-model-cache.js';
import type { GrantLookup } from './issue-credentials.js';
import { rolesResponseOf } from './list-roles.js';

/** Bounds of the reused answers (per instance): ~10 MB for 60 people with 500 roles each, a few KB for most. */
export const ROLES_ANSWERS_MAX_ENTRIES = 10_000;
export const ROLES_ANSWERS_MAX_BYTES = 32 * 1024 * 1024;

export interface RolesAnswersDeps {
  accessModel: AccessModelCache;
  clock: Clock;
  grants?: GrantLookup | undefined;
}

export interface RolesAnswer {
  /** The `GET /api/v1/roles` body (contracts/roles.ts), UTF-8 JSON. */
  json: Buffer;
  /** Served from an earlier identical decision. */
  reused: boolean;
}

export interface RolesAnswersStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
}

type Flags = Omit<DecisionScope, 'validUntil'>;

interface Entry {
  json: Buffer;
  validUntil: number;
  bytes: number;
}

/**
 * `GET /api/v1/roles` answers, serialised once and reused while nothing they
 * were decided from has changed. For someone entitled to hundreds of roles the
 * decision and its JSON cost milliseconds of CPU per request (~2.5 ms for 500
 * roles, 170 KB); a reused answer costs a Map lookup.
 *
 * An answer is reused only for the same model version (the loaded index: a
 * reload starts afresh), the same groups in the same order, IdP and MFA flag,
 * and — when the decision read them (DecisionScope) — the same source address,
 * the same sign-in time, the same held grants (GrantLookup.fingerprintOf), and
 * while the clock is before the first instant at which a condition could flip
 * (an MFA sign-in going stale, a grant starting or ending). What a decision
 * reads follows from the model and those always-compared facts, so it is
 * remembered per (groups, IdP, MFA flag) and the remaining facts are looked
 * up in the answer's key. Least recently used answers are dropped beyond the bounds.
 */
export class RolesAnswers {
  #index: AccessIndex | undefined;
  readonly #flags = new Map<string, Flags>();
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(
    private readonly deps: RolesAnswersDeps,
    private readonly limits: { maxEntries: number; maxBytes: number } = {
      maxEntries: ROLES_ANSWERS_MAX_ENTRIES,
      maxBytes: ROLES_ANSWERS_MAX_BYTES,
    },
  ) {}

  get stats(): RolesAnswersStats {
    return { entries: this.#entries.size, bytes: this.#bytes, hits: this.#hits, misses: this.#misses };
  }

  async answer(principal: Principal, sourceIp: string | undefined): Promise<RolesAnswer> {
    const index = await this.deps.accessModel.index();
    if (index !== this.#index) this.#reset(index);
    const now = this.deps.clock.now();
    const base = JSON.stringify([principal.idp, principal.authn.mfa, principal.groups]);
    const known = this.#flags.get(base);
    const knownKey = known === undefined ? undefined : this.#keyOf(base, known, principal, sourceIp);
    if (knownKey !== undefined) {
      const entry = this.#entries.get(knownKey);
      if (entry !== undefined && now < entry.validUntil) {
        this.#hits++;
        // Most recently used last: the first in the Map is the first to go.
        this.#entries.delete(knownKey);
        this.#entries.set(knownKey, entry);
        return { json: entry.json, reused: true };
      }
    }
    this.#misses++;
    const grants = this.deps.grants;
    const { entitlements, scope } = scopedEntitlementsIn(index, {
      principal,
      sourceIp,
      now,
      ...(grants ? { grantFor: (roleId: string) => grants.grantFor(principal.id, roleId) } : {}),
    });
    const json = Buffer.from(JSON.stringify(rolesResponseOf(entitlements)));
    const flags: Flags = { sourceIp: scope.sourceIp, authenticatedAt: scope.authenticatedAt, grants: scope.grants };
    this.#remember(base, flags);
    const key = this.#keyOf(base, flags, principal, sourceIp);
    if (key !== undefined) this.#store(key, { json, validUntil: scope.validUntil, bytes: json.length + key.length * 2 });
    return { json, reused: false };
  }

  /** The answer's key: the always-compared facts and those the decision read; undefined when it cannot be reused. */
  #keyOf(base: string, flags: Flags, principal: Principal, sourceIp: string | undefined): string | undefined {
    const parts: unknown[] = [base];
    if (flags.sourceIp) parts.push(sourceIp ?? null);
    if (flags.authenticatedAt) parts.push(principal.authn.authenticatedAt);
    if (flags.grants && this.deps.grants !== undefined) {
      const fingerprintOf = this.deps.grants.fingerprintOf?.bind(this.deps.grants);
      if (fingerprintOf === undefined) return undefined;
      parts.push(principal.id, fingerprintOf(principal.id));
    }
    return parts.length === 1 ? base : JSON.stringify(parts);
  }

  #remember(base: string, flags: Flags): void {
    // What a decision reads is small and outlives its answers; the oldest goes when twice the answers' count is held.
    if (!this.#flags.has(base) && this.#flags.size >= this.limits.maxEntries * 2) {
      for (const oldest of this.#flags.keys()) {
        this.#flags.delete(oldest);
        break;
      }
    }
    this.#flags.set(base, flags);
  }

  #store(key: string, entry: Entry): void {
    if (entry.bytes > this.limits.maxBytes / 4) return;
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= previous.bytes;
    }
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    for (const [oldest, held] of this.#entries) {
      if (this.#bytes <= this.limits.maxBytes && this.#entries.size <= this.limits.maxEntries) break;
      this.#entries.delete(oldest);
      this.#bytes -= held.bytes;
    }
  }

  #reset(index: AccessIndex): void {
    this.#index = index;
    this.#flags.clear();
    this.#entries.clear();
    this.#bytes = 0;
  }
}

import { hash, randomBytes } from 'node:crypto';
import type { Principal } from '../../domain/principal.js';
import type { Clock } from '../../ports/clock.js';
import type { KvStore } from '../../ports/kv-store.js';
import { DecodedValues } from '../../support/decoded-values.js';
import { loginSessionRecord } from './session-record.js';

/** What the IdP session needs for single logout (SAML) or RP-initiated logout (OIDC). */
export type IdpSessionRef = { kind: 'saml'; nameId: string; nameIdFormat?: string; sessionIndex?: string } | { kind: 'oidc' };

/** A signed-in browser session, as stored in Redis and put on `req.session`. */
export interface LoginSession {
  /** sha256 of the cookie value (hex): names the session in logs and indexes; not usable as a cookie. */
  id: string;
  principal: Principal;
  /** Slug of the IdP that signed the user in. */
  idp: string;
  /** ms since epoch. */
  createdAt: number;
  expiresAt: number;
  /** Synchronizer token for state-changing requests (see http/middleware/csrf.ts). */
  csrfToken: string;
  idpSession: IdpSessionRef;
}

export interface NewSession {
  principal: Principal;
  ttlMs: number;
  idpSession: IdpSessionRef;
}

// crypto.hash: one call, no Hash object (a quarter of createHash's cost; this runs on every request).
const sha256 = (value: string) => hash('sha256', value, 'hex');
/** Every session's key starts with this (the KvStore may keep such values near: they are read on every request). */
export const SESSION_KEY_PREFIX = 'session:';
const sessionKey = (id: string) => `${SESSION_KEY_PREFIX}${id}`;
const indexKey = (principalId: string) => `sessions-of:${sha256(principalId)}`;
/** Every session as `<expiresAt>.<id>`, for counting live sessions (metrics); pruned while counting. */
const LIVE_INDEX = 'sessions-live';

/**
 * Login sessions over the KvStore. The cookie carries 256 random bits; Redis
 * holds only their sha256, so reading Redis does not yield usable cookies.
 * Each principal has an index set of its sessions so that logout and
 * revocation can end them all.
 */
export class SessionStore {
  /** Decoded sessions, reused while the store holds the very same text (read on every request). */
  readonly #parsed = new DecodedValues<LoginSession | Unreadable>(50_000);
  private readonly kv: KvStore;

  constructor(
    kv: KvStore,
    private readonly clock: Clock,
  ) {
    this.kv = kv.named('The session store (Redis)');
  }

  /** Always a fresh id (no session fixation). Returns the cookie value and the session. */
  async create(input: NewSession): Promise<{ cookieValue: string; session: LoginSession }> {
    const cookieValue = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const ttlMs = Math.max(1000, Math.floor(input.ttlMs));
    const session: LoginSession = {
      id: sha256(cookieValue),
      principal: input.principal,
      idp: input.principal.idp,
      createdAt: now,
      expiresAt: now + ttlMs,
      csrfToken: randomBytes(32).toString('base64url'),
      idpSession: input.idpSession,
    };
    // One round trip: the session, then its place in the principal's index (which lives as long as
    // the principal's longest session: extended at every sign-in, never shortened) and in the live index.
    await this.kv.setAndIndex(sessionKey(session.id), loginSessionRecord.encode(session), ttlMs, [
      { key: indexKey(input.principal.id), member: session.id, ttlMs },
      { key: LIVE_INDEX, member: `${String(session.expiresAt)}.${session.id}` },
    ]);
    return { cookieValue, session };
  }

  /**
   * The live session for a cookie value, or null: absent, expired, malformed,
   * or written by a newer rolegate in a form this one cannot read (the caller
   * answers 401 and the user signs in again; the record is left for the
   * instances that can read it).
   */
  async get(cookieValue: string): Promise<LoginSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return null;
    const id = sha256(cookieValue);
    const raw = await this.kv.get(sessionKey(id));
    if (raw === null) {
      this.#parsed.forget(id);
      return null;
    }
    const session = this.#parsed.decode(id, raw, readSession);
    if ('unreadable' in session) return null;
    return session.expiresAt > this.clock.now() ? session : null;
  }

  /** Ends one session (logout). */
  async end(session: { id: string; principal: { id: string } }): Promise<void> {
    this.#parsed.forget(session.id);
    await this.kv.delete(sessionKey(session.id));
    await this.kv.removeFromSet(indexKey(session.principal.id), session.id);
  }

  /** Ends every session of a principal (revocation, logout everywhere); returns how many were live. */
  async endAllSessionsOf(principalId: string): Promise<number> {
    const ids = await this.kv.setMembers(indexKey(principalId));
    for (const id of ids) this.#parsed.forget(id);
    const ended = ids.length > 0 ? await this.kv.delete(...ids.map(sessionKey)) : 0;
    await this.kv.delete(indexKey(principalId));
    return ended;
  }

  /** How many sessions of a principal are live (what revoking them would end); changes nothing. */
  async countSessionsOf(principalId: string): Promise<number> {
    const ids = await this.kv.setMembers(indexKey(principalId));
    const live = await Promise.all(ids.map(async (id) => (await this.kv.get(sessionKey(id))) !== null));
    return live.filter(Boolean).length;
  }

  /**
   * How many sessions are live, across instances (the active-sessions gauge).
   * Members whose session expired or was ended are removed from the index as
   * they are found, so it stays as large as the live sessions.
   */
  async countLive(): Promise<number> {
    const now = this.clock.now();
    const members = await this.kv.setMembers(LIVE_INDEX);
    const stale: string[] = [];
    let live = 0;
    for (let i = 0; i < members.length; i += 200) {
      const chunk = members.slice(i, i + 200);
      const exists = await Promise.all(
        chunk.map(async (member) => {
          const dot = member.indexOf('.');
          if (Number(member.slice(0, dot)) <= now) return false;
          return (await this.kv.get(sessionKey(member.slice(dot + 1)))) !== null;
        }),
      );
      chunk.forEach((member, j) => (exists[j] ? live++ : stale.push(member)));
    }
    if (stale.length > 0) await this.kv.removeFromSet(LIVE_INDEX, ...stale);
    return live;
  }

  /**
   * Ends the sessions of a principal that match a SAML logout request (NameID,
   * optional SessionIndex). A session of the principal that this release cannot
   * read cannot be matched, so it is ended too: logging out too much is the safe side.
   */
  async endSamlSessions(principalId: string, match: { nameId: string; sessionIndex?: string }): Promise<number> {
    let ended = 0;
    for (const id of await this.kv.setMembers(indexKey(principalId))) {
      const raw = await this.kv.get(sessionKey(id));
      if (raw === null) continue;
      const read = loginSessionRecord.decode(raw);
      if (!read.ok) {
        await this.end({ id, principal: { id: principalId } });
        ended++;
        continue;
      }
      const session = read.value;
      const ref = session.idpSession;
      if (ref.kind !== 'saml' || ref.nameId !== match.nameId) continue;
      if (match.sessionIndex !== undefined && ref.sessionIndex !== match.sessionIndex) continue;
      await this.end(session);
      ended++;
    }
    return ended;
  }
}

/** A stored session this release cannot use: a frozen marker, so DecodedValues keeps it too. */
const UNREADABLE = Object.freeze({ unreadable: true as const });
type Unreadable = typeof UNREADABLE;

function readSession(text: string): LoginSession | Unreadable {
  const read = loginSessionRecord.decode(text);
  return read.ok ? read.value : UNREADABLE;
}

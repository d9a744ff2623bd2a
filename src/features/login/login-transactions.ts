import { createHash, randomBytes } from 'node:crypto';
import { safeReturnTo } from '../../domain/return-to.js';
import type { KvStore } from '../../ports/kv-store.js';
import { orUnavailable } from '../dependency-errors.js';

/**
 * A sign-in in progress: everything the callback must match, kept server-side
 * and bound to the browser by a random id in a short-lived cookie. Taken
 * (read and deleted atomically) exactly once.
 */
export type LoginTransaction =
  | { kind: 'oidc'; idp: string; state: string; nonce: string; codeVerifier: string; returnTo: string; createdAt: number }
  | { kind: 'saml'; idp: string; requestId: string; returnTo: string; createdAt: number }
  /** A validated IdP-initiated SAML login waiting for the user's click on the interstitial. */
  | { kind: 'saml-unsolicited'; idp: string; pendingId: string; returnTo: string; createdAt: number };

const key = (id: string) => `login-tx:${createHash('sha256').update(id).digest('hex')}`;

export class LoginTransactions {
  constructor(
    private readonly kv: KvStore,
    private readonly ttlMs: number,
  ) {}

  /** Stores the transaction; returns the random id for the cookie. */
  async begin(transaction: LoginTransaction): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await orUnavailable('The session store (Redis)', () => this.kv.set(key(id), JSON.stringify(transaction), this.ttlMs));
    return id;
  }

  /**
   * Consumes the transaction (GETDEL): a second callback with the same cookie finds nothing.
   * The return path is checked again on the way out: the browser is sent there next, and a
   * transaction may have been stored by an older instance during a rolling upgrade.
   */
  async take(id: string | undefined): Promise<LoginTransaction | null> {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const raw = await orUnavailable('The session store (Redis)', () => this.kv.take(key(id)));
    if (raw === null) return null;
    const transaction = JSON.parse(raw) as LoginTransaction;
    return { ...transaction, returnTo: safeReturnTo(transaction.returnTo) };
  }
}

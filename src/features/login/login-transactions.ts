import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { clientAddressKey } from '../../domain/client-address.js';
import { safeReturnTo } from '../../domain/return-to.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';
import { recordCodec } from '../../support/record-codec.js';
import type { LimitName, Limits, LimitTicket } from '../rate-limits/limits.js';
import type { StepUpRequest } from './step-up.js';

/**
 * A sign-in (or a SAML sign-out) in progress: everything the answer must match, kept server-side
 * and bound to the browser by a random id in a short-lived cookie. Taken
 * (read and deleted atomically) exactly once.
 */
export type LoginTransaction =
  | {
      kind: 'oidc';
      idp: string;
      state: string;
      nonce: string;
      codeVerifier: string;
      returnTo: string;
      createdAt: number;
      /** Set for a step-up (step-up.ts): the sign-in must be this session's user, fresh and with MFA. */
      stepUp?: StepUpRequest;
    }
  | { kind: 'saml'; idp: string; requestId: string; returnTo: string; createdAt: number; stepUp?: StepUpRequest }
  /** A validated IdP-initiated SAML login waiting for the user's click on the interstitial. */
  | { kind: 'saml-unsolicited'; idp: string; pendingId: string; returnTo: string; createdAt: number }
  /** A sign-out that sent the browser to the IdP with our LogoutRequest, waiting for its LogoutResponse. */
  | { kind: 'saml-logout'; idp: string; requestId: string; subject: string; createdAt: number };

const stepUpSchema = z.object({ principalId: z.string() });

/** What is stored: the transaction and the pending-sign-in counts it holds (given back when it is taken). */
type StoredTransaction = LoginTransaction & { pending?: LimitTicket[] };

/**
 * A transaction in Redis (`login-tx:<sha256 of the id>`). Counts of limits
 * this release does not know are kept as they are: giving them back ignores them.
 */
export const loginTransactionRecord = recordCodec(
  'login transaction',
  z.intersection(
    z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('oidc'),
        idp: z.string(),
        state: z.string(),
        nonce: z.string(),
        codeVerifier: z.string(),
        returnTo: z.string(),
        createdAt: z.number(),
        stepUp: stepUpSchema.optional(),
      }),
      z.object({
        kind: z.literal('saml'),
        idp: z.string(),
        requestId: z.string(),
        returnTo: z.string(),
        createdAt: z.number(),
        stepUp: stepUpSchema.optional(),
      }),
      z.object({
        kind: z.literal('saml-unsolicited'),
        idp: z.string(),
        pendingId: z.string(),
        returnTo: z.string(),
        createdAt: z.number(),
      }),
      z.object({ kind: z.literal('saml-logout'), idp: z.string(), requestId: z.string(), subject: z.string(), createdAt: z.number() }),
    ]),
    z.object({
      pending: z
        .array(z.object({ limit: z.string().transform((name) => name as LimitName), key: z.string(), until: z.number() }))
        .optional(),
    }),
  ) satisfies z.ZodType<StoredTransaction>,
);

/** Who starts a sign-in: the client address its pending sign-ins are counted by. */
export interface LoginStarter {
  sourceIp?: string;
  log: Logger;
}

const key = (id: string) => `login-tx:${createHash('sha256').update(id).digest('hex')}`;

/**
 * Login transactions in the KvStore, bounded: each lives `ttlMs` at most, and
 * a sign-in started by a browser counts against its client address's pending
 * sign-ins and against everyone's (`rateLimits.pendingLoginsPerIp`,
 * `rateLimits.pendingLoginsTotal`) until its callback takes it or it expires —
 * so a flood of unfinished sign-ins cannot grow Redis without bound.
 */
export class LoginTransactions {
  private readonly kv: KvStore;

  constructor(
    kv: KvStore,
    private readonly ttlMs: number,
    private readonly limits: Limits,
    private readonly log: Logger,
  ) {
    this.kv = kv.named('The session store (Redis)');
  }

  /** Stores the transaction; returns the random id for the cookie. Refused (429) when `starter` has too many pending. */
  async begin(transaction: LoginTransaction, starter?: LoginStarter): Promise<string> {
    const pending = starter ? await this.#reserve(starter) : [];
    const id = randomBytes(32).toString('base64url');
    const stored: StoredTransaction = pending.length > 0 ? { ...transaction, pending } : transaction;
    try {
      await this.kv.set(key(id), loginTransactionRecord.encode(stored), this.ttlMs);
    } catch (error) {
      await this.#release(pending);
      throw error;
    }
    return id;
  }

  /**
   * Consumes the transaction (GETDEL): a second callback with the same cookie finds nothing,
   * and its pending place is free again. The return path is checked again on the way out: the
   * browser is sent there next, and a transaction may have been stored by an older instance
   * during a rolling upgrade.
   */
  async take(id: string | undefined): Promise<LoginTransaction | null> {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const raw = await this.kv.take(key(id));
    if (raw === null) return null;
    const read = loginTransactionRecord.decode(raw);
    if (!read.ok) {
      // Garbled, or written by a newer release: the callback finds no sign-in in progress, and the user starts again.
      this.log.warn({ event: 'login.transaction_unreadable', reason: read.detail }, 'a login transaction cannot be read');
      return null;
    }
    const { pending, ...transaction } = read.value;
    if (pending) await this.#release(pending);
    // A SAML sign-out has no return path: it always ends on the sign-in page.
    if (transaction.kind === 'saml-logout') return transaction;
    return { ...transaction, returnTo: safeReturnTo(transaction.returnTo) };
  }

  async #reserve(starter: LoginStarter): Promise<LimitTicket[]> {
    const tickets: LimitTicket[] = [];
    try {
      const perIp = await this.limits.enforce('pendingLoginsPerIp', clientAddressKey(starter.sourceIp), starter.log);
      if (perIp) tickets.push(perIp);
      const total = await this.limits.enforce('pendingLoginsTotal', 'all', starter.log);
      if (total) tickets.push(total);
      return tickets;
    } catch (error) {
      await this.#release(tickets);
      throw error;
    }
  }

  async #release(tickets: readonly LimitTicket[]): Promise<void> {
    await Promise.all(tickets.map((ticket) => this.limits.refund(ticket, this.log)));
  }
}

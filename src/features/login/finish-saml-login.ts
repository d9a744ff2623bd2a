import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { safeReturnTo } from '../../domain/return-to.js';
import type { SamlAssertion, SamlIdentityProvider } from '../../ports/saml-gateway.js';
import { recordCodec } from '../../support/record-codec.js';
import { idpSessionSchema, principalSchema } from '../sessions/session-record.js';
import type { IdpSessionRef, LoginSession } from '../sessions/session-store.js';
import type { LoginDeps, RequestContext } from './login-deps.js';
import { principalFromSaml } from './principal-from-claims.js';
import { recordLogin, recordLoginFailure } from './record-login.js';
import { refuseSamlReplay } from './saml-replay-cache.js';
import { enabledProvider } from './start-login.js';
import { checkStepUp } from './step-up.js';

export type SamlAcsOutcome =
  | { kind: 'signed-in'; cookieValue: string; session: LoginSession; returnTo: string }
  /** IdP-initiated: validated, waiting for the user's click on the interstitial. */
  | { kind: 'confirm'; transactionId: string; principal: Principal; idpDisplayName: string };

interface PendingLogin {
  principal: Principal;
  idpExpiresAt?: number;
  idpSession: IdpSessionRef;
}

/** A validated IdP-initiated sign-in waiting for the user's click (`saml-pending:<sha256 of its id>`). */
export const pendingLoginRecord = recordCodec(
  'pending SAML sign-in',
  z.object({
    principal: principalSchema,
    idpExpiresAt: z.number().optional(),
    idpSession: idpSessionSchema,
  }) satisfies z.ZodType<PendingLogin>,
);

const CONFIRM_WINDOW_MS = 120_000;
const pendingKey = (id: string) => `saml-pending:${createHash('sha256').update(id).digest('hex')}`;

/**
 * The SAML ACS. SP-initiated: the IdP config and the expected request id come
 * from the pending login bound to this browser, never from the request.
 * Unsolicited (IdP-initiated): only when enabled for the IdP, and it ends on an
 * interstitial, not in a session.
 */
export async function finishSamlLogin(
  deps: LoginDeps,
  ctx: RequestContext,
  input: {
    slug: string;
    transactionId: string | undefined;
    samlResponse: string;
    relayState: string | undefined;
    previousSessionCookie?: string | undefined;
  },
): Promise<SamlAcsOutcome> {
  try {
    const transaction = await deps.transactions.take(input.transactionId);
    if (transaction && (transaction.kind !== 'saml' || transaction.idp !== input.slug)) {
      throw new RolegateError('assertion_invalid', {
        detail: `The pending sign-in in this browser was not started with SAML IdP ${input.slug}`,
      });
    }
    const idp = await enabledProvider(deps, 'saml', input.slug);
    if (!transaction && !idp.settings.idpInitiated.enabled) {
      throw new RolegateError('assertion_invalid', {
        detail: `Unsolicited SAML response: no sign-in is pending in this browser and IdP-initiated sign-in is off for ${idp.slug}; start from /login`,
      });
    }
    const assertion = await deps.saml.validateResponse(idp, input.samlResponse, transaction ? transaction.requestId : null);
    await refuseSamlReplay(deps, 'assertion', {
      issuer: assertion.issuer,
      id: assertion.assertionId,
      validUntil: assertion.notOnOrAfter,
    });
    const pending = pendingLogin(idp, assertion, deps.clock.now());
    if (transaction?.kind === 'saml' && transaction.stepUp)
      checkStepUp(transaction.stepUp, pending.principal, assertion.authnInstant, transaction.createdAt);
    if (transaction) {
      const created = await recordLogin(deps, ctx, pending, input.previousSessionCookie);
      return { kind: 'signed-in', ...created, returnTo: transaction.returnTo };
    }
    const allowed = idp.settings.idpInitiated.relayStateAllowList;
    const returnTo = input.relayState !== undefined && allowed.includes(input.relayState) ? safeReturnTo(input.relayState) : '/';
    const pendingId = randomBytes(32).toString('base64url');
    await deps.kv.set(pendingKey(pendingId), pendingLoginRecord.encode(pending), CONFIRM_WINDOW_MS);
    const transactionId = await deps.transactions.begin({
      kind: 'saml-unsolicited',
      idp: idp.slug,
      pendingId,
      returnTo,
      createdAt: deps.clock.now(),
    });
    ctx.log.info(
      { event: 'login', outcome: 'pending', idp: idp.slug, subject: pending.principal.id },
      'IdP-initiated sign-in awaits confirmation',
    );
    return { kind: 'confirm', transactionId, principal: pending.principal, idpDisplayName: idp.displayName };
  } catch (error) {
    throw await recordLoginFailure(deps, ctx, input.slug, error);
  }
}

/** The user clicked "continue" on the IdP-initiated interstitial. */
export async function confirmSamlLogin(
  deps: LoginDeps,
  ctx: RequestContext,
  input: { slug: string; transactionId: string | undefined; previousSessionCookie?: string | undefined },
): Promise<{ cookieValue: string; session: LoginSession; returnTo: string }> {
  try {
    const transaction = await deps.transactions.take(input.transactionId);
    if (!transaction || transaction.kind !== 'saml-unsolicited' || transaction.idp !== input.slug) {
      throw new RolegateError('assertion_invalid', { detail: 'No IdP-initiated sign-in is waiting for confirmation in this browser' });
    }
    const raw = await deps.kv.take(pendingKey(transaction.pendingId));
    if (raw === null) throw new RolegateError('assertion_invalid', { detail: 'The IdP-initiated sign-in expired before it was confirmed' });
    const read = pendingLoginRecord.decode(raw);
    if (!read.ok) {
      ctx.log.warn({ event: 'login.pending_unreadable', reason: read.detail }, 'a pending SAML sign-in cannot be read');
      throw new RolegateError('assertion_invalid', {
        detail: 'The IdP-initiated sign-in cannot be confirmed by this server; sign in again',
      });
    }
    const created = await recordLogin(deps, ctx, read.value, input.previousSessionCookie);
    return { ...created, returnTo: transaction.returnTo };
  } catch (error) {
    throw await recordLoginFailure(deps, ctx, input.slug, error);
  }
}

function pendingLogin(idp: SamlIdentityProvider, assertion: SamlAssertion, now: number): PendingLogin {
  return {
    principal: principalFromSaml(idp, assertion, now),
    ...(assertion.sessionNotOnOrAfter ? { idpExpiresAt: assertion.sessionNotOnOrAfter } : {}),
    idpSession: {
      kind: 'saml',
      nameId: assertion.nameId,
      ...(assertion.nameIdFormat ? { nameIdFormat: assertion.nameIdFormat } : {}),
      ...(assertion.sessionIndex ? { sessionIndex: assertion.sessionIndex } : {}),
    },
  };
}

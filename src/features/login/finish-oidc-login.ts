import { RolegateError } from '../../domain/errors.js';
import type { LoginSession } from '../sessions/session-store.js';
import type { LoginDeps, RequestContext } from './login-deps.js';
import { principalFromOidc } from './principal-from-claims.js';
import { recordLogin, recordLoginFailure } from './record-login.js';
import { enabledProvider } from './start-login.js';
import { checkStepUp } from './step-up.js';

/**
 * The OIDC callback: consumes the pending login bound to this browser, lets
 * the gateway check state, code (PKCE), nonce and the id_token, applies the
 * tenant allow-list, and opens a session. Every refusal is audited.
 */
export async function finishOidcLogin(
  deps: LoginDeps,
  ctx: RequestContext,
  input: { slug: string; transactionId: string | undefined; currentUrl: URL; previousSessionCookie?: string | undefined },
): Promise<{ cookieValue: string; session: LoginSession; returnTo: string }> {
  try {
    const transaction = await deps.transactions.take(input.transactionId);
    if (!transaction) {
      throw new RolegateError('assertion_invalid', {
        detail: 'No sign-in is pending in this browser (it expired, was already used, or cookies are blocked); start again from /login',
      });
    }
    if (transaction.kind !== 'oidc' || transaction.idp !== input.slug) {
      throw new RolegateError('assertion_invalid', {
        detail: `The pending sign-in was started with another identity provider, not ${input.slug}`,
      });
    }
    const idp = await enabledProvider(deps, 'oidc', input.slug);
    const signIn = await deps.oidc.completeAuthorization(idp, {
      currentUrl: input.currentUrl,
      expectedState: transaction.state,
      expectedNonce: transaction.nonce,
      codeVerifier: transaction.codeVerifier,
      fetchUserinfo: idp.settings.groupsFromUserinfo,
    });
    const { allowedTenants } = idp.settings;
    if (allowedTenants.length > 0 && !allowedTenants.includes(String(signIn.claims.tid))) {
      throw new RolegateError('assertion_invalid', { detail: 'The id_token tenant (tid) is not in this IdP’s allowedTenants' });
    }
    const principal = principalFromOidc(idp, signIn, deps.clock.now());
    if (transaction.stepUp) {
      // auth_time is not checked by openid-client without max_age on the callback: checked here.
      const authTime = typeof signIn.claims.auth_time === 'number' ? signIn.claims.auth_time * 1000 : undefined;
      checkStepUp(transaction.stepUp, principal, authTime, transaction.createdAt);
    }
    const exp = typeof signIn.claims.exp === 'number' ? signIn.claims.exp * 1000 : undefined;
    const idpExpiresAt = idp.settings.sessionExpiry === 'id_token' ? (signIn.sessionExpiresAt ?? exp) : signIn.sessionExpiresAt;
    const created = await recordLogin(
      deps,
      ctx,
      { principal, ...(idpExpiresAt ? { idpExpiresAt } : {}), idpSession: { kind: 'oidc' } },
      input.previousSessionCookie,
    );
    return { ...created, returnTo: transaction.returnTo };
  } catch (error) {
    throw await recordLoginFailure(deps, ctx, input.slug, error);
  }
}

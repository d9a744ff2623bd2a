import type { LoginSession } from '../sessions/session-store.js';
import { publicUrlFor, type LoginDeps, type RequestContext } from './login-deps.js';

/**
 * Ends the session (its Redis key is deleted, so every instance sees it gone),
 * records it, and returns where to send the browser: the IdP's logout when it
 * has one (OIDC RP-initiated logout; SAML single logout, with the transaction
 * its LogoutResponse must answer), else the login page.
 */
export async function logout(
  deps: LoginDeps,
  ctx: RequestContext,
  session: LoginSession,
): Promise<{ redirectUrl: string; logoutTransactionId?: string }> {
  await deps.sessions.end(session);
  await deps
    .forgetCredentials?.(session.principal.id)
    .catch((error: unknown) =>
      ctx.log.warn({ reason: (error as Error).message }, 'could not drop cached credentials at sign-out; they expire on their own'),
    );
  await deps.audit
    .record({
      type: 'logout',
      outcome: 'success',
      subject: session.principal.id,
      idp: session.idp,
      requestId: ctx.requestId,
      ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
      ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
      details: { sessionId: session.id },
    })
    // The session is already gone; a missing audit row must not leave the user signed in on screen.
    .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the logout in the audit log'));
  ctx.log.info({ event: 'logout', idp: session.idp, subject: session.principal.id, sessionId: session.id }, 'signed out');
  const loggedOut = publicUrlFor(deps.publicUrl, '/login?loggedOut=1');
  const idp = await deps.idps.findBySlug(session.idp).catch(() => null);
  if (idp?.kind === 'saml' && idp.enabled && session.idpSession.kind === 'saml') {
    const { nameId, nameIdFormat, sessionIndex } = session.idpSession;
    const request = await deps.saml
      .logoutRequestUrl(idp, { nameId, ...(nameIdFormat ? { nameIdFormat } : {}), ...(sessionIndex ? { sessionIndex } : {}) })
      .catch(() => null);
    // The IdP's LogoutResponse must answer this request, in this browser (a cookie binds it).
    const logoutTransactionId =
      request &&
      (await deps.transactions
        .begin({
          kind: 'saml-logout',
          idp: idp.slug,
          requestId: request.requestId,
          subject: session.principal.id,
          createdAt: deps.clock.now(),
        })
        .catch(() => null));
    if (request && logoutTransactionId) return { redirectUrl: request.url, logoutTransactionId };
  }
  if (idp?.kind === 'oidc' && idp.enabled) {
    const target = publicUrlFor(deps.publicUrl, idp.settings.postLogoutRedirectPath ?? '/login?loggedOut=1');
    const url = await deps.oidc.logoutUrl(idp, target).catch(() => null);
    if (url) return { redirectUrl: url.href };
  }
  return { redirectUrl: loggedOut };
}

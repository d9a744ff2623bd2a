import { RolegateError } from '../../domain/errors.js';
import { principalId } from '../../domain/principal.js';
import type { LoginDeps, RequestContext } from './login-deps.js';
import { enabledProvider } from './start-login.js';

/**
 * The IdP asks us to end a user's sessions (SAML single logout, Redirect
 * binding). Only a signed request from the IdP's entityID counts, and it ends
 * only the sessions with its NameID (and SessionIndex, when it names one).
 */
export async function handleSamlLogoutRequest(
  deps: LoginDeps,
  ctx: RequestContext,
  input: { slug: string; query: Record<string, string>; rawQuery: string },
): Promise<{ redirectUrl: string | null; sessionsEnded: number }> {
  const base = {
    type: 'logout',
    idp: input.slug,
    requestId: ctx.requestId,
    ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
    ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
  };
  try {
    const idp = await enabledProvider(deps, 'saml', input.slug);
    const request = await deps.saml.validateLogoutRequest(idp, input.query, input.rawQuery);
    const subject = principalId(idp.slug, request.nameId);
    const sessionsEnded = await deps.sessions.endSamlSessions(subject, {
      nameId: request.nameId,
      ...(request.sessionIndex ? { sessionIndex: request.sessionIndex } : {}),
    });
    await deps.audit.record({ ...base, outcome: 'success', subject, details: { initiatedBy: 'idp', sessionsEnded } });
    ctx.log.info({ event: 'logout', idp: idp.slug, subject, sessionsEnded, initiatedBy: 'idp' }, 'signed out by the IdP');
    return { redirectUrl: await deps.saml.logoutResponseUrl(idp, request.requestId, input.query.RelayState), sessionsEnded };
  } catch (error) {
    const reason = error instanceof RolegateError ? `${error.code}: ${error.detail}` : 'server_error';
    ctx.log.warn({ event: 'logout', outcome: 'denied', idp: input.slug, reason }, 'IdP logout request refused');
    await deps.audit.record({ ...base, outcome: 'denied', reason }).catch(() => undefined);
    throw error;
  }
}

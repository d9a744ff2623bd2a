import { RolegateError } from '../../domain/errors.js';
import { principalId } from '../../domain/principal.js';
import type { SamlLogoutMessage } from '../../ports/saml-gateway.js';
import type { LoginDeps, RequestContext } from './login-deps.js';
import { refuseSamlReplay } from './saml-replay-cache.js';
import { enabledProvider } from './start-login.js';

/**
 * The IdP asks us to end a user's sessions (SAML single logout, either
 * binding). Only a fresh, signed request from the IdP's entityID counts, each
 * one once; it ends only the sessions with its NameID (and SessionIndex, when
 * it names one).
 */
export async function handleSamlLogoutRequest(
  deps: LoginDeps,
  ctx: RequestContext,
  input: { slug: string; message: SamlLogoutMessage },
): Promise<{ redirectUrl: string | null; sessionsEnded: number }> {
  const base = auditBase(ctx, input.slug);
  try {
    const idp = await enabledProvider(deps, 'saml', input.slug);
    const request = await deps.saml.validateLogoutRequest(idp, input.message);
    await refuseSamlReplay(deps, 'logout-request', {
      issuer: request.issuer,
      id: request.requestId,
      validUntil: request.validUntil,
    });
    const subject = principalId(idp.slug, request.nameId);
    const sessionsEnded = await deps.sessions.endSamlSessions(subject, {
      nameId: request.nameId,
      ...(request.sessionIndex ? { sessionIndex: request.sessionIndex } : {}),
    });
    await deps.audit.record({ ...base, outcome: 'success', subject, details: { initiatedBy: 'idp', sessionsEnded } });
    ctx.log.info({ event: 'logout', idp: idp.slug, subject, sessionsEnded, initiatedBy: 'idp' }, 'signed out by the IdP');
    return { redirectUrl: await deps.saml.logoutResponseUrl(idp, request.requestId, request.relayState), sessionsEnded };
  } catch (error) {
    await recordRefusal(deps, ctx, base, error, 'IdP logout request refused');
    throw error;
  }
}

/**
 * The IdP's answer to the LogoutRequest this browser's sign-out sent (SAML
 * single logout, either binding). rolegate's session ended before the browser
 * went to the IdP; this checks the answer belongs to that sign-out and reports
 * whether the IdP ended its own session too.
 */
export async function finishSamlLogout(
  deps: LoginDeps,
  ctx: RequestContext,
  input: { slug: string; transactionId: string | undefined; message: SamlLogoutMessage },
): Promise<{ idpSessionEnded: boolean; status: string; idpDisplayName: string }> {
  const base = auditBase(ctx, input.slug);
  try {
    const transaction = await deps.transactions.take(input.transactionId);
    if (transaction?.kind !== 'saml-logout' || transaction.idp !== input.slug) {
      throw new RolegateError('assertion_invalid', {
        detail: `The SAML LogoutResponse answers no sign-out that this browser started with ${input.slug}`,
      });
    }
    const idp = await enabledProvider(deps, 'saml', input.slug);
    const response = await deps.saml.validateLogoutResponse(idp, input.message, transaction.requestId);
    const details = { initiatedBy: 'sp', stage: 'idp-response', statusCodes: response.statusCodes };
    await deps.audit.record({
      ...base,
      outcome: response.success ? 'success' : 'error',
      ...(response.success ? {} : { reason: `The IdP did not end its session: ${response.statusCodes.join(' / ').slice(0, 300)}` }),
      subject: transaction.subject,
      details,
    });
    ctx.log.info({ event: 'logout', idp: idp.slug, ...details }, 'the IdP answered our logout request');
    // SAML's own status codes by their last word (Success, Responder, PartialLogout…).
    const status = response.statusCodes.map((code) => code.slice(code.lastIndexOf(':') + 1).slice(0, 100)).join(' / ');
    return { idpSessionEnded: response.success, status, idpDisplayName: idp.displayName };
  } catch (error) {
    await recordRefusal(deps, ctx, base, error, 'IdP logout response refused');
    throw error;
  }
}

function auditBase(ctx: RequestContext, idp: string) {
  return {
    type: 'logout',
    idp,
    requestId: ctx.requestId,
    ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
    ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
  };
}

async function recordRefusal(
  deps: LoginDeps,
  ctx: RequestContext,
  base: ReturnType<typeof auditBase>,
  error: unknown,
  message: string,
): Promise<void> {
  const known = error instanceof RolegateError ? error : undefined;
  const reason = known ? `${known.code}: ${known.detail}` : 'server_error';
  const outcome = known && known.status < 500 ? 'denied' : 'error';
  ctx.log.warn({ event: 'logout', outcome, idp: base.idp, reason }, message);
  await deps.audit.record({ ...base, outcome, reason }).catch(() => undefined);
}

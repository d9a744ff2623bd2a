import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { IdpSessionRef, LoginSession } from '../sessions/session-store.js';
import type { LoginDeps, RequestContext } from './login-deps.js';

/**
 * The end of every successful sign-in: the audit row first (no session
 * without a record), then a brand-new session whose lifetime is the earlier
 * of the IdP's session expiry and the configured maximum.
 */
export async function recordLogin(
  deps: Pick<LoginDeps, 'audit' | 'sessions' | 'clock' | 'maxSessionTtlMs'>,
  ctx: RequestContext,
  login: { principal: Principal; idpExpiresAt?: number; idpSession: IdpSessionRef },
  /** The session cookie this browser sent, if any: that session ends, the new one replaces it. */
  previousCookieValue?: string,
): Promise<{ cookieValue: string; session: LoginSession }> {
  const now = deps.clock.now();
  const ttlMs = Math.min(deps.maxSessionTtlMs, login.idpExpiresAt === undefined ? Infinity : login.idpExpiresAt - now);
  if (ttlMs < 1000) {
    throw new RolegateError('assertion_invalid', { detail: 'The IdP session has already ended (its session expiry is in the past)' });
  }
  const { principal } = login;
  // No session without its audit row: if the audit log cannot be written, the sign-in fails.
  await deps.audit.record({
    type: 'login',
    outcome: 'success',
    subject: principal.id,
    idp: principal.idp,
    groups: principal.groups,
    requestId: ctx.requestId,
    ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
    ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
    details: {
      username: principal.username,
      mfa: principal.authn.mfa,
      methods: principal.authn.methods,
      ...(principal.authn.contextClass ? { contextClass: principal.authn.contextClass } : {}),
      sessionTtlMs: Math.round(ttlMs),
    },
  });
  const created = await deps.sessions.create({ principal, ttlMs, idpSession: login.idpSession });
  const previous = previousCookieValue === undefined ? null : await deps.sessions.get(previousCookieValue).catch(() => null);
  if (previous) await deps.sessions.end(previous);
  ctx.log.info(
    {
      event: 'login',
      outcome: 'success',
      idp: principal.idp,
      subject: principal.id,
      groups: principal.groups,
      sessionId: created.session.id,
    },
    'signed in',
  );
  return created;
}

/**
 * Records a refused or failed sign-in (audit row and a warn line) and returns
 * the error to answer with. A failure to write the audit row is logged, not
 * masked: the user still gets the original, precise reason.
 */
export async function recordLoginFailure(
  deps: Pick<LoginDeps, 'audit'>,
  ctx: RequestContext,
  idp: string | undefined,
  error: unknown,
): Promise<unknown> {
  const known = error instanceof RolegateError ? error : undefined;
  const outcome = known && known.status < 500 ? 'denied' : 'error';
  const reason = known ? `${known.code}: ${known.detail}` : 'server_error';
  ctx.log.warn({ event: 'login', outcome, idp, reason }, 'sign-in refused');
  try {
    await deps.audit.record({
      type: 'login',
      outcome,
      reason,
      requestId: ctx.requestId,
      ...(idp ? { idp } : {}),
      ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
      ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}),
      // What the refusal carries for the caller (e.g. the IdP's SAML status codes) is kept with it.
      ...(known && Object.keys(known.extras).length > 0 ? { details: known.extras } : {}),
    });
  } catch (auditError) {
    ctx.log.error({ err: auditError }, 'could not record the refused sign-in in the audit log');
  }
  return error;
}

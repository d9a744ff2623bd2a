import { RolegateError } from '../../domain/errors.js';
import { checkLoopbackRedirectUri, withResponseParams } from '../../domain/oauth/loopback-redirect.js';
import { oauthError, oauthErrorOf } from '../../domain/oauth/oauth-error.js';
import { isS256Challenge } from '../../domain/oauth/pkce.js';
import type { CliClient } from '../../ports/cli-grant-store.js';
import type { RequestContext } from '../login/login-deps.js';
import type { LoginSession } from '../sessions/session-store.js';
import { issuerOf, type CliAuthDeps } from './cli-auth-deps.js';
import { codeRecord, pendingConsentRecord } from './cli-auth-records.js';
import { cliAuditEvent } from './cli-audit.js';
import type { Approval } from './issue-grant.js';
import { newAuthorizationCode, newConsentId, sha256 } from './secrets.js';

/** A validated authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3). */
export interface AuthorizationRequest {
  client: CliClient;
  redirectUri: string;
  codeChallenge: string;
  state: string;
}

/** What the authorization code stands for, kept in the KvStore until exchanged (once). */
export interface CodeRecord extends Approval {
  redirectUri: string;
  codeChallenge: string;
}

export interface PendingConsent {
  request: Omit<AuthorizationRequest, 'client'> & { clientId: string };
  sessionId: string;
}

const consentKey = (id: string) => `cli-consent:${id}`;
export const codeKey = (hash: string) => `cli-code:${hash}`;

/**
 * Step 1: the client and redirect_uri. When either is wrong, the error is
 * shown to the user and never sent to the redirect_uri (RFC 6749 §4.1.2.1:
 * that would make rolegate an open redirector).
 */
export async function checkClientAndRedirect(
  deps: Pick<CliAuthDeps, 'grants'>,
  query: { client_id?: unknown; redirect_uri?: unknown },
): Promise<{ client: CliClient; redirectUri: string }> {
  const clientId = query.client_id;
  if (typeof clientId !== 'string' || clientId === '') throw new RolegateError('invalid_request', { detail: 'client_id is missing' });
  const client = await deps.grants.findClient(clientId);
  if (!client) throw new RolegateError('invalid_request', { detail: `Unknown client_id ${clientId.slice(0, 64)}` });
  if (typeof query.redirect_uri !== 'string') throw new RolegateError('invalid_request', { detail: 'redirect_uri is missing' });
  const redirect = checkLoopbackRedirectUri(query.redirect_uri);
  if (!redirect.ok) throw new RolegateError('invalid_request', { detail: redirect.reason });
  return { client, redirectUri: redirect.uri };
}

/**
 * Step 2: the rest of the request. Errors here are OAuth errors the caller
 * sends back to the (already validated) redirect_uri, with the state.
 */
export function checkAuthorizationParams(
  checked: { client: CliClient; redirectUri: string },
  query: Record<string, unknown>,
): { ok: true; request: AuthorizationRequest } | { ok: false; error: RolegateError } {
  const state = query.state;
  if (typeof state !== 'string' || state.length === 0 || state.length > 512) {
    return { ok: false, error: oauthError('invalid_request', 'state is required (1-512 characters)') };
  }
  if (query.response_type !== 'code') {
    return { ok: false, error: oauthError('unsupported_response_type', 'Only response_type=code is supported') };
  }
  if (query.code_challenge_method !== 'S256') {
    return { ok: false, error: oauthError('invalid_request', 'PKCE is required with code_challenge_method=S256 (plain is not accepted)') };
  }
  const challenge = query.code_challenge;
  if (typeof challenge !== 'string' || !isS256Challenge(challenge)) {
    return {
      ok: false,
      error: oauthError('invalid_request', 'code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier)))'),
    };
  }
  return { ok: true, request: { ...checked, codeChallenge: challenge, state } };
}

/** The redirect that reports an OAuth error to the client (RFC 6749 §4.1.2.1, with `iss` per RFC 9207). */
export function errorRedirect(deps: Pick<CliAuthDeps, 'publicUrl'>, redirectUri: string, state: unknown, error: RolegateError): string {
  return withResponseParams(redirectUri, {
    error: oauthErrorOf(error) ?? 'invalid_request',
    error_description: error.detail,
    ...(typeof state === 'string' && state.length <= 512 ? { state } : {}),
    iss: issuerOf(deps.publicUrl),
  });
}

/** Parks a validated request until the user answers the consent page; bound to their session. */
export async function startConsent(deps: CliAuthDeps, session: LoginSession, request: AuthorizationRequest): Promise<string> {
  const id = newConsentId();
  const pending: PendingConsent = {
    request: { clientId: request.client.id, redirectUri: request.redirectUri, codeChallenge: request.codeChallenge, state: request.state },
    sessionId: session.id,
  };
  await deps.kv.set(consentKey(id), pendingConsentRecord.encode(pending), deps.settings.consentTimeoutMs);
  return id;
}

/**
 * The user's answer on the consent page (CSRF-checked by the route). The
 * pending request is consumed once and must belong to this session. Returns
 * where to send the browser: the CLI's loopback redirect_uri with a code, or
 * with error=access_denied.
 */
export async function decideConsent(
  deps: CliAuthDeps,
  ctx: RequestContext,
  session: LoginSession,
  input: { consentId: string; approve: boolean },
): Promise<{ redirectUrl: string }> {
  const raw = /^[A-Za-z0-9_-]{43}$/.test(input.consentId) ? await deps.kv.take(consentKey(input.consentId)) : null;
  // Absent, or unreadable (garbled, or written by a newer release): the user starts the login again.
  const read = raw === null ? undefined : pendingConsentRecord.decode(raw);
  const pending = read?.ok ? read.value : undefined;
  if (pending?.sessionId !== session.id) {
    throw new RolegateError('invalid_request', {
      detail: 'This approval request has expired or was already answered. Run `rolegate login` again.',
    });
  }
  const { request } = pending;
  const iss = issuerOf(deps.publicUrl);
  if (!input.approve) {
    await deps.audit
      .record(
        cliAuditEvent(ctx, {
          type: 'cli.authorize',
          outcome: 'denied',
          reason: 'the user denied the CLI on the consent page',
          principal: session.principal,
          details: { clientId: request.clientId, flow: 'loopback' },
        }),
      )
      .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the denied CLI authorisation'));
    return {
      redirectUrl: withResponseParams(request.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: request.state,
        iss,
      }),
    };
  }
  const code = newAuthorizationCode();
  const record: CodeRecord = {
    clientId: request.clientId,
    principal: session.principal,
    loginSessionId: session.id,
    sessionExpiresAt: session.expiresAt,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
  };
  await deps.kv.set(codeKey(sha256(code)), codeRecord.encode(record), deps.settings.authorizationCodeTtlMs);
  return { redirectUrl: withResponseParams(request.redirectUri, { code, state: request.state, iss }) };
}

import { RolegateError } from '../errors.js';

/**
 * Error codes of rolegate's authorization server, as the OAuth specs name
 * them: RFC 6749 §4.1.2.1 and §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'server_error'
  | 'temporarily_unavailable';

/**
 * An OAuth protocol error, carried by the one error type: the /oauth/*
 * endpoints answer it as `{"error": …, "error_description": …}` (RFC 6749
 * §5.2) instead of problem+json. 400 unless the spec says otherwise
 * (invalid_client: 401).
 */
export function oauthError(error: OAuthErrorCode, description: string, status?: number): RolegateError {
  const code = error === 'invalid_client' ? 'login_required' : 'invalid_request';
  return new RolegateError(code, {
    status: status ?? (error === 'invalid_client' ? 401 : 400),
    detail: description,
    extras: { oauthError: error },
  });
}

/** The OAuth error code an error carries, when it is one. */
export function oauthErrorOf(error: RolegateError): OAuthErrorCode | undefined {
  const value = error.extras.oauthError;
  return typeof value === 'string' ? (value as OAuthErrorCode) : undefined;
}

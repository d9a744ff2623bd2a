import express, { type ErrorRequestHandler, type Request } from 'express';
import { isRolegateError, RolegateError } from '../../domain/errors.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../contracts/cli-auth.js';
import { oauthError, oauthErrorOf, type OAuthErrorCode } from '../../domain/oauth/oauth-error.js';

/** Form bodies of the OAuth endpoints: small, flat (RFC 6749 §3.2: parameters at most once). */
export const oauthFormParser = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

/** The request's form parameters; refuses other content types and repeated parameters (RFC 6749 §3.2). */
export function formParams(req: Request): Record<string, string | undefined> {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw oauthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded');
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw oauthError('invalid_request', `Parameter ${name.slice(0, 40)} is repeated`);
    params[name] = value === '' ? undefined : value;
  }
  return params;
}

/**
 * The error answer of the OAuth JSON endpoints (token, device authorization,
 * revocation): `{"error", "error_description"}` (RFC 6749 §5.2), never
 * problem+json, never cached. Outages are `temporarily_unavailable` (503).
 * A rate limit is 429 with Retry-After: RFC 6749 has no code for it, so a
 * device-code poll gets `slow_down` (RFC 8628 §3.5: the client adds 5 s to its
 * interval and keeps polling) and everything else `temporarily_unavailable`
 * (which clients, rolegate's CLI included, treat as "try again later" and never
 * as a reason to drop their tokens).
 */
export function oauthErrorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = isRolegateError(error) ? error : translate(error);
    if (known.status >= 500) req.log.error({ err: error, code: known.code }, 'OAuth request failed');
    else req.log.debug({ oauthError: oauthErrorOf(known) ?? known.code, detail: known.detail }, 'OAuth request refused');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const code = oauthErrorOf(known) ?? (known.code === 'rate_limited' ? rateLimitedCode(req) : codeFor(known));
    const description = known.expose ? known.detail : `Something went wrong on our side. Quote request id ${req.id} when reporting it.`;
    for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
    res.status(known.status).setHeader('Cache-Control', 'no-store').setHeader('Pragma', 'no-cache');
    res.json({ error: code, error_description: description });
  };
}

function codeFor(error: RolegateError): OAuthErrorCode {
  if (error.code === 'dependency_unavailable' || error.code === 'sts_throttled') return 'temporarily_unavailable';
  return error.status >= 500 ? 'server_error' : 'invalid_request';
}

function rateLimitedCode(req: Request): OAuthErrorCode {
  const body = req.body as Record<string, unknown> | undefined;
  return body?.grant_type === DEVICE_CODE_GRANT_TYPE ? 'slow_down' : 'temporarily_unavailable';
}

function translate(error: unknown): RolegateError {
  const bodyError = error as { type?: unknown; status?: unknown };
  if (bodyError.type === 'entity.too.large') return oauthError('invalid_request', 'The request body is too large', 413);
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return oauthError('invalid_request', 'The request body could not be read');
  }
  return new RolegateError('server_error', { cause: error });
}

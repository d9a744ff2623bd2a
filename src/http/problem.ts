import type { ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import { RolegateError, isRolegateError, type ErrorCode } from '../domain/errors.js';

const TITLES: Record<ErrorCode, string> = {
  invalid_request: 'The request is malformed',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The request body has an unsupported content type',
  login_required: 'Sign-in required',
  assertion_invalid: 'The sign-in response was rejected',
  forbidden: 'Not allowed',
  role_not_entitled: 'You are not entitled to this role',
  step_up_required: 'Sign in again with a second factor',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  precondition_failed: 'The resource changed since you read it',
  rate_limited: 'Too many requests',
  sts_access_denied: 'AWS STS refused the request',
  sts_throttled: 'AWS STS is throttling requests',
  federation_failed: 'The AWS console sign-in endpoint refused the request',
  dependency_unavailable: 'A service rolegate depends on is unavailable',
  server_error: 'Internal error',
};

/** The RFC 9457 problem document rolegate answers every error with. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId?: string;
  [extra: string]: unknown;
}

export function toProblem(error: RolegateError, requestId: string | undefined): Problem {
  const exposed = error.expose;
  return {
    ...(exposed ? error.extras : {}),
    type: `urn:rolegate:error:${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: exposed ? error.detail : `Something went wrong on our side. Quote request id ${requestId ?? 'unknown'} when reporting it.`,
    ...(requestId ? { requestId } : {}),
  };
}

/** Writes the problem document (plain node:http, so endpoints served without Express answer errors the same way). */
export function sendProblem(res: ServerResponse, error: RolegateError, requestId: string | undefined): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const body = JSON.stringify(toProblem(error, requestId));
  res.statusCode = error.status;
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/**
 * Whatever was thrown, as the RolegateError it is answered with: known errors
 * keep their code, zod and body-parser errors become 4xx with what was wrong,
 * anything else is a server_error whose detail is not shown.
 */
export function asRolegateError(error: unknown): RolegateError {
  if (isRolegateError(error)) return error;
  if (error instanceof ZodError) {
    return new RolegateError('invalid_request', {
      detail: error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '),
      extras: { issues: error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) },
    });
  }
  // body-parser errors carry a `type` and an HTTP status.
  const bodyError = error as { type?: unknown; status?: unknown };
  switch (bodyError.type) {
    case 'entity.parse.failed':
      return new RolegateError('invalid_request', { detail: 'The request body is not valid JSON' });
    case 'entity.too.large':
      return new RolegateError('payload_too_large', { detail: 'The request body is larger than this endpoint accepts' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new RolegateError('unsupported_media_type', { detail: 'The request body uses an unsupported encoding or charset' });
    case 'request.aborted':
      return new RolegateError('invalid_request', { detail: 'The client aborted the request' });
    default:
  }
  if (typeof bodyError.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return new RolegateError('invalid_request', { status: bodyError.status, detail: 'The request could not be processed' });
  }
  return new RolegateError('server_error', { cause: error });
}

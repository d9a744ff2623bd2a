import type { Response } from 'express';
import type { ErrorCode, RolegateError } from '../domain/errors.js';

const TITLES: Record<ErrorCode, string> = {
  invalid_request: 'The request is malformed',
  payload_too_large: 'The request body is too large',
  unsupported_media_type: 'The request body has an unsupported content type',
  login_required: 'Sign-in required',
  assertion_invalid: 'The sign-in response was rejected',
  forbidden: 'Not allowed',
  role_not_entitled: 'You are not entitled to this role',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  precondition_failed: 'The resource changed since you read it',
  rate_limited: 'Too many attempts',
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

export function sendProblem(res: Response, error: RolegateError, requestId: string | undefined): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).type('application/problem+json').setHeader('Cache-Control', 'no-store');
  res.send(JSON.stringify(toProblem(error, requestId)));
}

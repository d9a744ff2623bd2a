import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { RolegateError, isRolegateError } from '../../domain/errors.js';
import { sendProblem, toProblem } from '../problem.js';
import { errorPage } from '../views/login-pages.js';

/** 404 for every route nobody handled. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new RolegateError('not_found', { detail: `No route for ${req.method} ${req.path}` }));
};

/**
 * The single error handler: every error becomes an application/problem+json
 * answer. Known errors keep their code; anything else is logged with its stack
 * and answered as a generic server_error carrying the request id.
 */
export function errorHandler(): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = req.id;
    const known = translate(error);
    const log = req.log;
    if (known.status >= 500) log.error({ err: error, code: known.code }, 'request failed');
    else log.debug({ code: known.code, detail: known.detail }, 'request rejected');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Browsers (Accept: text/html first) get a page on non-API routes; everyone else problem+json.
    if (!req.path.startsWith('/api/') && req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html') {
      const problem = toProblem(known, requestId);
      for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
      res.status(known.status).type('text/html').setHeader('Cache-Control', 'no-store');
      res.send(errorPage({ status: problem.status, title: problem.title, detail: problem.detail, requestId }));
      return;
    }
    sendProblem(res, known, requestId);
  };
}

function translate(error: unknown): RolegateError {
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

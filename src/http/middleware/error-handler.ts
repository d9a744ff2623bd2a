import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { RolegateError } from '../../domain/errors.js';
import { isApiPath, type ApiRequest } from '../api-request.js';
import { asRolegateError, sendProblem, toProblem } from '../problem.js';
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
    answerError(error, req, res);
  };
}

/** The error handler's answer. Browsers (Accept: text/html first) get a page on non-API routes; everyone else problem+json. */
export function answerError(error: unknown, req: Request, res: Response): void {
  if (isApiPath(req.path) || req.accepts(['application/problem+json', 'application/json', 'text/html']) !== 'text/html') {
    answerApiError(error, req, res);
    return;
  }
  const requestId = req.id;
  const known = logged(error, req);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const problem = toProblem(known, requestId);
  for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
  res.status(known.status).type('text/html').setHeader('Cache-Control', 'no-store');
  res.send(errorPage({ status: problem.status, title: problem.title, detail: problem.detail, requestId }));
}

/** The problem+json answer to an error, on plain node:http too (the direct layer, src/http/direct-routes.ts, uses it). */
export function answerApiError(error: unknown, req: ApiRequest, res: ServerResponse): void {
  const known = logged(error, req);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendProblem(res, known, req.id);
}

function logged(error: unknown, req: ApiRequest): RolegateError {
  const known = asRolegateError(error);
  if (known.status >= 500) req.log.error({ err: error, code: known.code }, 'request failed');
  else req.log.debug({ code: known.code, detail: known.detail }, 'request rejected');
  return known;
}

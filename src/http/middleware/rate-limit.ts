import type { Request, RequestHandler } from 'express';
import { clientAddressKey } from '../../domain/client-address.js';
import type { LimitName, Limits } from '../../features/rate-limits/limits.js';

/**
 * Counts the request against a limit before anything else runs (body parsing
 * included): over it, the error handler answers 429 with Retry-After (problem+json,
 * an HTML page for browsers, OAuth JSON on /oauth/*). `subjectOf` names who is
 * counted; the client address is `req.ip`, which honours server.trustProxy, so
 * an X-Forwarded-For header counts only when it comes from a trusted proxy.
 */
export function rateLimit(limits: Limits, name: LimitName, subjectOf: (req: Request) => string = byClientAddress): RequestHandler {
  if (!limits.enabled(name)) return (_req, _res, next) => next();
  return async (req, _res, next) => {
    await limits.enforce(name, subjectOf(req), req.log);
    next();
  };
}

/** The client's IPv4 address or IPv6 /64 (see clientAddressKey). */
export const byClientAddress = (req: Request): string => clientAddressKey(req.ip);

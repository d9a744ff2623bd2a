import { RolegateError } from '../../domain/errors.js';
import type { Caller } from '../../features/credentials/issue-credentials.js';
import type { ApiRequest } from '../api-request.js';

/**
 * Who asks, in the shape features take: a portal session or a CLI bearer
 * token (resolved by the session middleware), with the request's source IP,
 * user agent, id and logger for the audit trail.
 */
export function callerOf(req: ApiRequest): Caller {
  const caller = req.caller;
  if (!caller) throw new RolegateError('login_required', { detail: 'Sign in first' });
  // One literal, no conditional spreads: this runs on every API request.
  return {
    principal: caller.principal,
    sourceIp: req.ip || undefined,
    userAgent: req.headers['user-agent'] || undefined,
    requestId: req.id,
    log: req.log,
  };
}

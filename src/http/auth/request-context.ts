import type { Request } from 'express';
import type { RequestContext } from '../../features/login/login-deps.js';

export function requestContext(req: Request): RequestContext {
  const userAgent = req.headers['user-agent'];
  return {
    requestId: req.id,
    log: req.log,
    ...(req.ip ? { sourceIp: req.ip } : {}),
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 512) } : {}),
  };
}

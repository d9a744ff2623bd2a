import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { AuditLog } from '../../ports/audit-log.js';
import { csrfProtection } from './csrf.js';
import type { SessionMiddleware } from './session.js';

export type AdminRole = 'admin' | 'auditor';

export interface AdminGroups {
  groups: readonly string[];
  auditorGroups: readonly string[];
}

/** What a principal may do in administration: admin (read-write), auditor (read-only), or nothing. */
export function adminRoleOf(principal: Pick<Principal, 'groups'>, config: AdminGroups): AdminRole | undefined {
  if (principal.groups.some((g) => config.groups.includes(g))) return 'admin';
  if (principal.groups.some((g) => config.auditorGroups.includes(g))) return 'auditor';
  return undefined;
}

const READS = new Set(['GET', 'HEAD']);

/**
 * The guard in front of every admin route (API and pages): a caller (401
 * otherwise, or a redirect to sign-in for pages), in an admin group (403
 * otherwise), or in an auditor group for reads only. Bodies are parsed here
 * (JSON, or YAML/text for access files) so the CSRF check of cookie callers
 * can read a `_csrf` form field; bearer (CLI) callers need no CSRF token.
 */
export function adminGuard(deps: {
  session: SessionMiddleware;
  admin: AdminGroups;
  publicUrl: URL;
  mode: 'api' | 'page';
  /** Records refused admin requests (`admin.denied`); a failure to record is logged, the answer stays 403. */
  audit: AuditLog;
}): RequestHandler[] {
  const refuse = (req: Request, next: NextFunction, detail: string) => {
    const caller = req.caller;
    void deps.audit
      .record({
        type: 'admin.denied',
        outcome: 'denied',
        reason: detail,
        ...(caller ? { subject: caller.principal.id, idp: caller.principal.idp, groups: caller.principal.groups } : {}),
        requestId: req.id,
        ...(req.ip ? { sourceIp: req.ip } : {}),
        details: { method: req.method, path: req.path },
      })
      .catch((error: unknown) => req.log.error({ err: error }, 'could not record a refused admin request'));
    next(new RolegateError('forbidden', { detail }));
  };
  const check = (req: Request, _res: Response, next: NextFunction) => {
    const caller = req.caller;
    if (!caller) {
      next(new RolegateError('login_required', { detail: 'Sign in first' }));
      return;
    }
    const role = adminRoleOf(caller.principal, deps.admin);
    if (!role) {
      refuse(req, next, `Administration needs membership of ${deps.admin.groups.join(', ')}`);
      return;
    }
    if (role === 'auditor' && !READS.has(req.method)) {
      refuse(req, next, 'Auditors have read-only access: this change needs an administrator');
      return;
    }
    next();
  };
  return [
    deps.session.requireSession({ mode: deps.mode, bearer: deps.mode === 'api' }),
    check,
    express.json({ limit: '1mb', strict: true }),
    express.text({ limit: '1mb', type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'] }),
    express.urlencoded({ extended: false, limit: '64kb' }),
    csrfProtection(deps.publicUrl),
  ];
}

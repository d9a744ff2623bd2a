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
  /** The body limit of the access-file endpoints (plan, apply); every other admin body keeps 1 MB. */
  accessFileMaxBytes?: number;
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
    ...bodyParsers(deps.mode === 'api' ? (deps.accessFileMaxBytes ?? ONE_MB) : ONE_MB),
    express.urlencoded({ extended: false, limit: '64kb' }),
    csrfProtection(deps.publicUrl),
  ];
}

/** body-parser's '1mb' (1 MiB), the limit every admin body had. */
const ONE_MB = '1mb';
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
/** The endpoints that take a whole access file (paths under /api/v1/admin; Express matches them case-insensitively, with or without a final slash). */
const ACCESS_FILE_PATHS = new Set(['/access/plan', '/access/apply']);

/**
 * JSON and YAML bodies: 1 MB, except the access-file endpoints, which take
 * `accessFileMaxBytes` (admin.accessFileMaxBytes): a large company's file is
 * several MB. Parsed only after the caller was found to be an administrator,
 * so nobody else can make rolegate read a large body.
 */
function bodyParsers(accessFileMaxBytes: number | string): RequestHandler[] {
  type Parsers = Record<'json' | 'text', RequestHandler>;
  const small: Parsers = { json: express.json({ limit: ONE_MB, strict: true }), text: express.text({ limit: ONE_MB, type: YAML_TYPES }) };
  const large: Parsers = {
    json: express.json({ limit: accessFileMaxBytes, strict: true }),
    text: express.text({ limit: accessFileMaxBytes, type: YAML_TYPES }),
  };
  const pick = (req: Request) =>
    req.method === 'POST' && ACCESS_FILE_PATHS.has(req.path.toLowerCase().replace(/(.)\/$/, '$1')) ? large : small;
  const json: RequestHandler = (req, res, next) => pick(req).json(req, res, next);
  const text: RequestHandler = (req, res, next) => pick(req).text(req, res, next);
  return [json, text];
}

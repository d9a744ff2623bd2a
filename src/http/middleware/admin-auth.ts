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
    // A plan (the diff of an access file, with the people it affects) changes nothing: auditors review changes too.
    const isPlan = req.method === 'POST' && req.path.toLowerCase().replace(/(.)\/$/, '$1') === '/access/plan';
    if (role === 'auditor' && !READS.has(req.method) && !isPlan) {
      refuse(req, next, 'Auditors have read-only access: this change needs an administrator');
      return;
    }
    next();
  };
  return [
    deps.session.requireSession({ mode: deps.mode, bearer: deps.mode === 'api' }),
    check,
    ...bodyParsers(deps.mode === 'api' ? (deps.accessFileMaxBytes ?? ONE_MIB) : ONE_MIB),
    express.urlencoded({ extended: false, limit: '64kb' }),
    csrfProtection(deps.publicUrl),
  ];
}

/** 1 MiB, the limit every admin body other than an access file keeps. */
const ONE_MIB = 1024 * 1024;
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'];
/** The endpoints that take a whole access file (paths under /api/v1/admin; Express matches them case-insensitively, with or without a final slash). */
const ACCESS_FILE_PATHS = new Set(['/access/plan', '/access/apply']);

/**
 * JSON and YAML bodies: 1 MiB, except the access-file endpoints, which take
 * `accessFileMaxBytes` (admin.accessFileMaxBytes): a large company's file is
 * several MB. Parsed only after the caller was found to be an administrator,
 * so nobody else can make rolegate read a large body. A body over its limit
 * is refused with 413 naming the limit (and, for access files, the setting
 * that raises it), before it is read when Content-Length says so.
 */
function bodyParsers(accessFileMaxBytes: number): RequestHandler[] {
  type Parsers = Record<'json' | 'text', RequestHandler>;
  const parsers = (limit: number, detail: string): Parsers => {
    const tooLarge = () => new RolegateError('payload_too_large', { detail, extras: { limitBytes: limit } });
    const named =
      (parser: RequestHandler): RequestHandler =>
      (req, res, next) =>
        parser(req, res, (error?: unknown) => {
          next((error as { type?: unknown } | undefined)?.type === 'entity.too.large' ? tooLarge() : error);
        });
    return { json: named(express.json({ limit, strict: true })), text: named(express.text({ limit, type: YAML_TYPES })) };
  };
  const small = parsers(ONE_MIB, `The request body is larger than the ${mebibytes(ONE_MIB)} this endpoint accepts`);
  const large = parsers(
    accessFileMaxBytes,
    `The access file is larger than admin.accessFileMaxBytes (ROLEGATE_ACCESS_FILE_MAX_BYTES): ${String(accessFileMaxBytes)} bytes (${mebibytes(accessFileMaxBytes)}), counting the JSON around it; raise the setting to send a larger file`,
  );
  const pick = (req: Request) =>
    req.method === 'POST' && ACCESS_FILE_PATHS.has(req.path.toLowerCase().replace(/(.)\/$/, '$1')) ? large : small;
  const json: RequestHandler = (req, res, next) => pick(req).json(req, res, next);
  const text: RequestHandler = (req, res, next) => pick(req).text(req, res, next);
  return [json, text];
}

function mebibytes(bytes: number): string {
  const mib = bytes / ONE_MIB;
  return `${Number.isInteger(mib) ? String(mib) : mib.toFixed(1)} MiB`;
}

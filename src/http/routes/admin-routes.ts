import { Router } from 'express';
import type { AdminDeps } from '../../features/admin/admin-deps.js';
import type { AuditQuery } from '../../ports/audit-query.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { RevocationDeps } from '../../features/admin/revoke-access.js';
import { adminRevocationRoutes } from './admin-revocation-routes.js';
import { adminRevocationPages } from './admin-revocation-pages.js';
import { adminAuditRoutes } from './admin-audit-routes.js';
import { adminGuard, type AdminGroups } from '../middleware/admin-auth.js';
import type { SessionMiddleware } from '../middleware/session.js';
import { adminAccessRoutes } from './admin-access-routes.js';
import { adminPages } from './admin-pages.js';
import { adminObjectsRoutes } from './admin-objects-routes.js';
import { adminEditPages } from './admin-edit-pages.js';
import type { AccessRequestDeps } from '../../features/access-requests/access-requests.js';
import { adminAccessRequestsRoutes } from './access-requests-routes.js';
import type { ReviewDeps } from '../../features/access-reviews/campaigns.js';
import { adminReviewsRoutes, ownerReviewRoutes } from './admin-reviews-routes.js';
import { adminReviewsPages } from './admin-reviews-pages.js';
import type { IamTemplateDeps } from '../../features/iam/iam-template.js';
import type { IamDoctorDeps } from '../../features/admin/iam-doctor.js';
import { adminIamRoutes } from './admin-iam-routes.js';

/** What the admin API and pages need (built by src/composition/admin.ts). */
export interface AdminAppDeps {
  access: AdminDeps;
  auditQuery: AuditQuery;
  revocation: RevocationDeps;
  audit: AuditLog;
  /** Just-in-time access: every request, and revoking grants. */
  accessRequests?: AccessRequestDeps;
  /** Access reviews: the usage report and review campaigns (docs/admin.md#access-reviews). */
  reviews?: ReviewDeps;
  /** IAM setup as code: the template of each account's IAM (docs/admin.md#iam-setup-as-code). */
  iam?: IamTemplateDeps;
  /** `rolegate doctor`: each account's IAM compared with the template (docs/admin.md#rolegate-doctor). */
  doctor?: IamDoctorDeps;
  /** admin.accessAsCode: the access model is managed as code, so the edit pages show the YAML to commit instead of saving (docs/admin.md#editing-access-on-the-pages). */
  accessAsCode?: { file?: string };
}

/**
 * Everything under /api/v1/admin (and the /admin pages), each behind the same
 * guard: 401 without a caller, 403 outside the admin and auditor groups,
 * 403 for auditors' writes, CSRF for cookie callers' writes.
 */
export function adminRoutes(deps: {
  admin: AdminAppDeps;
  session: SessionMiddleware;
  groups: AdminGroups;
  publicUrl: URL;
  /** admin.accessFileMaxBytes: the body limit of access plan / apply. */
  accessFileMaxBytes?: number;
}): Router {
  const router = Router();
  router.use(
    '/api/v1/admin',
    adminGuard({
      session: deps.session,
      admin: deps.groups,
      publicUrl: deps.publicUrl,
      mode: 'api',
      audit: deps.admin.audit,
      ...(deps.accessFileMaxBytes === undefined ? {} : { accessFileMaxBytes: deps.accessFileMaxBytes }),
    }),
  );
  router.use(
    '/admin',
    adminGuard({ session: deps.session, admin: deps.groups, publicUrl: deps.publicUrl, mode: 'page', audit: deps.admin.audit }),
  );
  router.use(
    adminPages({
      access: deps.admin.access,
      auditQuery: deps.admin.auditQuery,
      ...(deps.admin.accessRequests ? { accessRequests: deps.admin.accessRequests } : {}),
    }),
  );
  router.use(adminAccessRoutes({ admin: deps.admin.access }));
  router.use(adminObjectsRoutes({ admin: deps.admin.access }));
  router.use(
    adminEditPages({
      admin: deps.admin.access,
      groups: deps.groups,
      ...(deps.admin.accessAsCode ? { asCode: deps.admin.accessAsCode } : {}),
    }),
  );
  router.use(adminAuditRoutes({ auditQuery: deps.admin.auditQuery }));
  router.use(adminRevocationRoutes({ revocation: deps.admin.revocation }), adminRevocationPages({ revocation: deps.admin.revocation }));
  if (deps.admin.iam) router.use(adminIamRoutes({ iam: deps.admin.iam, ...(deps.admin.doctor ? { doctor: deps.admin.doctor } : {}) }));
  if (deps.admin.accessRequests) router.use(adminAccessRequestsRoutes({ accessRequests: deps.admin.accessRequests }));
  if (deps.admin.reviews) {
    const reviews = { reviews: deps.admin.reviews, groups: deps.groups };
    router.use(adminReviewsRoutes(reviews), adminReviewsPages(reviews));
    router.use(ownerReviewRoutes({ ...reviews, session: deps.session, publicUrl: deps.publicUrl }));
  }
  return router;
}

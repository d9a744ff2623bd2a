import { Router } from 'express';
import { revocationRequestSchema } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import { previewRevokeRole, previewRevokeUser } from '../../features/admin/revocation-preview.js';
import { revokeRole, revokeUser, type RevocationDeps } from '../../features/admin/revoke-access.js';
import { callerOf } from '../middleware/caller-of.js';

/** POST /api/v1/admin/revocations: `{user}` or `{roleArn}` → what was ended, and the IAM Deny policy for issued sessions. */
export function adminRevocationRoutes(deps: { revocation: RevocationDeps }): Router {
  const router = Router();
  router.post('/api/v1/admin/revocations', async (req, res) => {
    if (!req.is('application/json')) throw new RolegateError('unsupported_media_type', { detail: 'Send the body as application/json' });
    const body = revocationRequestSchema.parse(req.body);
    const actor = callerOf(req);
    const options = body.reason === undefined ? {} : { reason: body.reason };
    const result =
      body.user !== undefined
        ? await revokeUser(deps.revocation, actor, body.user, options)
        : await revokeRole(deps.revocation, actor, body.roleArn ?? '', options);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(result);
  });
  /** GET /api/v1/admin/revocations/preview?user=…|roleArn=…: what that revocation would end, changing nothing. */
  router.get('/api/v1/admin/revocations/preview', async (req, res) => {
    const body = revocationRequestSchema.parse({
      ...(typeof req.query.user === 'string' ? { user: req.query.user } : {}),
      ...(typeof req.query.roleArn === 'string' ? { roleArn: req.query.roleArn } : {}),
    });
    const preview =
      body.user !== undefined
        ? await previewRevokeUser(deps.revocation, body.user)
        : await previewRevokeRole(deps.revocation, body.roleArn ?? '');
    res.setHeader('Cache-Control', 'no-store');
    res.json(preview);
  });
  /** GET /api/v1/admin/revocations/jobs[?roleArn=…|accountId=…]: each affected role's policy job in AWS. */
  router.get('/api/v1/admin/revocations/jobs', async (req, res) => {
    const roleArn = typeof req.query.roleArn === 'string' ? req.query.roleArn : undefined;
    const accountId = typeof req.query.accountId === 'string' ? req.query.accountId : undefined;
    if (accountId !== undefined && !/^\d{12}$/.test(accountId))
      throw new RolegateError('invalid_request', { detail: 'accountId must be a 12-digit AWS account id' });
    const jobs = deps.revocation.aws
      ? await deps.revocation.aws.jobs.list({ ...(roleArn ? { roleArn } : {}), ...(accountId ? { accountId } : {}) })
      : [];
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      jobs: jobs.map((j) => ({
        accountId: j.accountId,
        roleArn: j.roleArn,
        state: j.state,
        attempts: j.attempts,
        broadened: j.broadened,
        revocations: j.entries,
        ...(j.nextAttemptAt ? { nextAttemptAt: j.nextAttemptAt.toISOString() } : {}),
        ...(j.lastError ? { lastError: j.lastError } : {}),
        ...(j.attachedAt ? { attachedAt: j.attachedAt.toISOString() } : {}),
        ...(j.removedAt ? { removedAt: j.removedAt.toISOString() } : {}),
      })),
    });
  });
  return router;
}

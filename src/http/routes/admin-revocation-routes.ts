import { Router } from 'express';
import { revocationRequestSchema } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import { revokeRole, revokeUser, type RevocationDeps } from '../../features/admin/revoke-access.js';
import { callerOf } from '../middleware/caller-of.js';

/** POST /api/v1/admin/revocations: `{user}` or `{roleArn}` → what was ended, and the IAM Deny policy for issued sessions. */
export function adminRevocationRoutes(deps: { revocation: RevocationDeps }): Router {
  const router = Router();
  router.post('/api/v1/admin/revocations', async (req, res) => {
    if (!req.is('application/json')) throw new RolegateError('unsupported_media_type', { detail: 'Send the body as application/json' });
    const body = revocationRequestSchema.parse(req.body);
    const actor = callerOf(req);
    const result =
      body.user !== undefined
        ? await revokeUser(deps.revocation, actor, body.user)
        : await revokeRole(deps.revocation, actor, body.roleArn ?? '');
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(result);
  });
  return router;
}

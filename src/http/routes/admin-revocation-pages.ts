import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { revocationRequestSchema } from '../../contracts/admin.js';
import { RolegateError } from '../../domain/errors.js';
import { previewRevokeRole, previewRevokeUser, resolveRevocationTarget } from '../../features/admin/revocation-preview.js';
import { revokeRole, revokeUser, type RevocationDeps } from '../../features/admin/revoke-access.js';
import { callerOf } from '../middleware/caller-of.js';
import {
  revocationConfirmPage,
  revocationResultPage,
  revocationsPage,
  type RevocationFormValues,
} from '../views/admin/revocations-page.js';

const text = z.string().max(2048).optional();
const formQuery = z.object({ user: text, account: text, role: text });
const revokeForm = z.object({ _csrf: z.string().optional(), user: text, roleArn: text, reason: z.string().max(2000).optional() });

function csrfOf(req: Request): string {
  const token = req.session?.csrfToken;
  if (token === undefined) throw new RolegateError('login_required', { detail: 'Sign in first' });
  return token;
}

/** Bad input the page shows as a message beside the form (400/404), not the generic error page. */
const shownOnPage = (error: unknown): error is RolegateError =>
  error instanceof RolegateError &&
  error.status >= 400 &&
  error.status < 500 &&
  error.code !== 'login_required' &&
  error.code !== 'forbidden';

/**
 * /admin/revocations: the form (a user, or an account and role), a read-only
 * confirmation page with the preview (revocation-preview.ts), the revocation
 * with its reason (POST, CSRF), the result with the Deny policy, and the AWS
 * jobs. Mounted behind adminGuard in page mode.
 */
export function adminRevocationPages(deps: { revocation: RevocationDeps }): Router {
  const router = Router();
  const r = deps.revocation;
  const send = (res: Response, body: string, status = 200) => {
    res.status(status).setHeader('Cache-Control', 'no-store');
    res.type('text/html').send(body);
  };
  const formPage = async (res: Response, form: RevocationFormValues, error: RolegateError) =>
    send(res, revocationsPage({ jobs: (await r.aws?.jobs.list()) ?? [], form, error: error.detail }), error.status);

  router.get('/admin/revocations', async (_req, res) => {
    send(res, revocationsPage({ jobs: (await r.aws?.jobs.list()) ?? [] }));
  });
  router.get('/admin/revocations/confirm', async (req, res) => {
    const parsed = formQuery.safeParse(req.query);
    const form: RevocationFormValues = parsed.success ? parsed.data : {};
    if (!parsed.success) {
      await formPage(res, {}, new RolegateError('invalid_request', { detail: 'Each form field once, as text of at most 2048 characters' }));
      return;
    }
    try {
      const target = await resolveRevocationTarget(r, form);
      const preview = 'user' in target ? await previewRevokeUser(r, target.user) : await previewRevokeRole(r, target.roleArn);
      send(res, revocationConfirmPage({ preview, csrfToken: csrfOf(req) }));
    } catch (error) {
      if (!shownOnPage(error)) throw error;
      await formPage(res, form, error);
    }
  });
  router.post('/admin/revocations', async (req, res) => {
    const form = revokeForm.safeParse(req.body);
    const fields = form.success ? form.data : {};
    const target: { user: string } | { roleArn: string } | Record<string, never> = fields.user
      ? { user: fields.user }
      : fields.roleArn
        ? { roleArn: fields.roleArn }
        : {};
    const body = revocationRequestSchema.safeParse({ ...target, reason: fields.reason ?? '' });
    if (!body.success) {
      const message = body.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; ');
      const error = new RolegateError('invalid_request', { detail: message });
      const named = 'user' in target ? target.user : 'roleArn' in target ? target.roleArn : undefined;
      if (named === undefined) {
        await formPage(res, {}, error);
        return;
      }
      try {
        const preview = 'user' in target ? await previewRevokeUser(r, named) : await previewRevokeRole(r, named);
        send(
          res,
          revocationConfirmPage({ preview, csrfToken: csrfOf(req), reason: fields.reason ?? '', error: `Reason: ${message}` }),
          400,
        );
      } catch (previewError) {
        if (!shownOnPage(previewError)) throw previewError;
        await formPage(res, {}, previewError);
      }
      return;
    }
    const actor = callerOf(req);
    const options = body.data.reason === undefined ? {} : { reason: body.data.reason };
    try {
      const result =
        body.data.user !== undefined
          ? await revokeUser(r, actor, body.data.user, options)
          : await revokeRole(r, actor, body.data.roleArn ?? '', options);
      send(res, revocationResultPage(result));
    } catch (error) {
      if (!shownOnPage(error)) throw error;
      await formPage(res, {}, error);
    }
  });
  return router;
}

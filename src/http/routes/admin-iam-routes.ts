import { Router } from 'express';
import { iamDoctorQuerySchema } from '../../contracts/iam-doctor.js';
import { iamTemplateQuerySchema } from '../../contracts/iam-template.js';
import { diagnoseIam, type IamDoctorDeps } from '../../features/admin/iam-doctor.js';
import { iamTemplates, type IamTemplateDeps } from '../../features/iam/iam-template.js';

/**
 * GET /api/v1/admin/iam-template?account=&format=&hubPrincipal= and
 * GET /api/v1/admin/doctor?account=&readerRoleName=&hubPrincipal= (docs/admin.md#iam-setup-as-code).
 */
export function adminIamRoutes(deps: { iam: IamTemplateDeps; doctor?: IamDoctorDeps }): Router {
  const router = Router();
  router.get('/api/v1/admin/iam-template', async (req, res) => {
    const query = iamTemplateQuerySchema.parse(req.query);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await iamTemplates(deps.iam, query));
  });
  const { doctor } = deps;
  if (doctor)
    router.get('/api/v1/admin/doctor', async (req, res) => {
      const query = iamDoctorQuerySchema.parse(req.query);
      res.setHeader('Cache-Control', 'no-store');
      res.json(await diagnoseIam(doctor, query));
    });
  return router;
}

import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { faultInput, type FaultInjector } from './fault-injector.js';

/**
 * The devstack's admin knob for injected faults (docs/devstack.md#injected-faults), on the STS
 * endpoint's loopback address; not an AWS API, so neither signed nor in AWS's error format:
 * - `POST /_devstack/faults` `{"service":"iam","kind":"throttling","action":"PutRolePolicy","accountId":"…","times":2}` → 201 the fault
 * - `GET /_devstack/faults` → `{"faults":[…]}` with each fault's `hits`
 * - `DELETE /_devstack/faults` (all) or `/_devstack/faults/<id>` → 204; stalled requests are dropped
 */
export function faultRoutes(faults: FaultInjector): Router {
  const router = Router();
  const problem = (res: Response, status: number, detail: string) => res.status(status).json({ error: detail });

  router.get('/_devstack/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });
  router.post('/_devstack/faults', express.json({ limit: '4kb', type: () => true }), (req: Request, res: Response) => {
    const parsed = faultInput.safeParse(req.body);
    if (!parsed.success) {
      problem(res, 400, parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
      return;
    }
    res.status(201).json(faults.add(parsed.data));
  });
  router.delete('/_devstack/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  router.delete('/_devstack/faults/:id', (req, res) => {
    const id = /^\d{1,9}$/.test(req.params.id) ? Number(req.params.id) : NaN;
    if (Number.isNaN(id) || !faults.clear(id)) {
      problem(res, 404, `no fault ${req.params.id}`);
      return;
    }
    res.status(204).end();
  });
  router.all('/_devstack/faults', (req, res) => {
    problem(res, 405, `${req.method} is not supported here; use GET, POST or DELETE`);
  });
  // A body that is not JSON (or too large): a precise 400/413, never a stack trace.
  router.use('/_devstack/faults', (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status === 413 ? 413 : 400;
    problem(res, status, status === 413 ? 'the fault is larger than 4 KiB' : 'expected a JSON object describing the fault');
  });
  return router;
}

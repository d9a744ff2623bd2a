import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { assumeRole } from './actions/assume-role.js';
import { assumeRoleWithSaml } from './actions/assume-role-with-saml.js';
import { assumeRoleWithWebIdentity } from './actions/assume-role-with-web-identity.js';
import { getCallerIdentity } from './actions/get-caller-identity.js';
import type { Caller, StsAction, StsServices } from './actions/action-context.js';
import { eksAuthenticatorRoutes } from '../eks/eks-authenticator-routes.js';
import { IAM_ACTIONS } from '../iam/iam-actions.js';
import { IAM_NAMESPACE, IAM_VERSION } from '../iam/iam-call.js';
import { federationRoutes } from './federation/federation-routes.js';
import { QueryParams, STS_VERSION } from './protocol/query-params.js';
import { renderError, renderJsonError, renderJsonResult, renderResult, STS_NAMESPACE } from './protocol/render-response.js';
import { StsError } from './protocol/sts-error.js';
import { newRequestId } from './session/issue-session.js';
import { verifySigV4 } from './sigv4/verify-sigv4.js';

const ACTIONS: Record<string, StsAction> = {
  AssumeRole: assumeRole,
  AssumeRoleWithSAML: assumeRoleWithSaml,
  AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
  GetCallerIdentity: getCallerIdentity,
};

/** The account an injected fault is matched on: IAM acts in the caller's account; STS calls name a role. */
function faultAccount(iam: boolean, caller: Caller | undefined, params: QueryParams): string | undefined {
  if (iam && caller) return caller.kind === 'user' ? caller.user.account.id : caller.session.role.account.id;
  return /^arn:aws[\w-]*:iam::(\d{12}):/.exec(params.string('RoleArn', 'roleArn') ?? '')?.[1];
}

const wantsJson = (req: Request) => (req.headers.accept ?? '').toLowerCase().includes('application/json');

/** Logs what the endpoint refused and why; never credentials or assertions. */
export interface DevstackLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * The local STS endpoint as an Express app: the Query protocol on `/` (STS, and the
 * IAM subset for calls of IAM's version 2010-05-08, signed for service `iam`), the
 * console federation endpoint on `/federation` and a stand-in console on `/console/`.
 */
export function createStsApp(services: StsServices, logger?: DevstackLogger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // The raw body is kept: SigV4 signs its exact bytes. 256 KiB fits a 100,000-character SAMLAssertion.
  app.use(express.raw({ type: () => true, limit: '256kb' }));
  app.use(federationRoutes(services));
  app.use(eksAuthenticatorRoutes(services));

  app.all('/', async (req: Request, res: Response) => {
    const requestId = newRequestId();
    res.set('x-amzn-RequestId', requestId);
    let action: string | undefined;
    let injected = false;
    let namespace = STS_NAMESPACE;
    try {
      if (req.method !== 'POST' && req.method !== 'GET') throw new StsError('InvalidAction', `${req.method} is not supported; use POST`);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const [path = '/', rawQuery = ''] = req.originalUrl.split('?', 2);
      const query = new URLSearchParams(rawQuery);
      const params = QueryParams.parse(body.toString('utf8'), query);
      action = params.action;
      const iam = params.version === IAM_VERSION;
      if (iam) namespace = IAM_NAMESPACE;
      const table = iam ? IAM_ACTIONS : ACTIONS;
      const known = action !== undefined && Object.hasOwn(table, action);
      if (!known || (!iam && params.version !== STS_VERSION))
        throw new StsError('InvalidAction', `Could not find operation ${action ?? '(none)'} for version ${params.version ?? '(none)'}`);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
      const signed = await verifySigV4({ method: req.method, path, query, headers, body }, services, iam ? 'iam' : 'sts');
      const region = signed?.region ?? services.defaultRegion;
      const fault = services.faults.take({
        service: iam ? 'iam' : 'sts',
        action: action ?? '',
        accountId: faultAccount(iam, signed?.caller, params),
      });
      if (fault?.kind === 'stall') {
        logger?.info({ action, requestId, fault: fault.id }, 'injected fault: the answer stalls');
        services.faults.stall(res);
        return;
      }
      if (fault) {
        injected = true;
        logger?.info({ action, requestId, fault: fault.id, kind: fault.kind }, 'injected fault');
        if (fault.kind === 'throttling') throw new StsError('Throttling', 'Rate exceeded', 400);
        throw iam
          ? new StsError('ServiceFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500)
          : new StsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
      }
      let result;
      if (iam) {
        const iamAction = IAM_ACTIONS[action ?? ''];
        if (!signed || !iamAction) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
        result = await iamAction({ params, services, region, caller: signed.caller });
      } else {
        const stsAction = ACTIONS[action ?? ''];
        if (!stsAction) throw new StsError('InvalidAction', `Could not find operation ${action ?? '(none)'}`);
        result = await stsAction({ params, services, region, ...(signed ? { caller: signed.caller } : {}) });
      }
      logger?.info({ action, requestId }, iam ? 'iam call succeeded' : 'sts call succeeded');
      // STS answers JSON to `Accept: application/json` (aws-iam-authenticator asks for it).
      if (wantsJson(req)) res.status(200).json(renderJsonResult(action ?? '', result, requestId));
      else
        res
          .status(200)
          .type('text/xml')
          .send(renderResult(action ?? '', result, requestId, namespace));
    } catch (error) {
      const stsError =
        error instanceof StsError
          ? error
          : new StsError('InternalFailure', 'The request processing has failed because of an unknown error.');
      if (stsError.code === 'InternalFailure' && !injected)
        logger?.warn({ action, requestId, err: String(error) }, 'sts call failed unexpectedly');
      else logger?.info({ action, requestId, code: stsError.code, reason: stsError.message }, 'sts call refused');
      if (wantsJson(req)) res.status(stsError.status).json(renderJsonError(stsError, requestId));
      else
        res
          .status(stsError.status)
          .type('text/xml')
          .send(renderError(stsError, requestId, namespace));
    }
  });

  // Body too large or unreadable: answer in AWS's format, never with a stack trace.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const requestId = newRequestId();
    const status = (error as { status?: number }).status;
    const stsError =
      status === 413
        ? new StsError('ValidationError', 'Request entity too large')
        : new StsError('InternalFailure', 'The request processing has failed because of an unknown error.');
    res.set('x-amzn-RequestId', requestId).status(stsError.status).type('text/xml').send(renderError(stsError, requestId));
  });
  return app;
}

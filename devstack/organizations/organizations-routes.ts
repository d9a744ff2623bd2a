import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Caller, StsServices } from '../sts/actions/action-context.js';
import { StsError } from '../sts/protocol/sts-error.js';
import { newRequestId } from '../sts/session/issue-session.js';
import { verifySigV4 } from '../sts/sigv4/verify-sigv4.js';
import type { DevstackLogger } from '../sts/sts-app.js';
import type { Organization } from './organization-model.js';
import { ORGANIZATIONS_ACTIONS } from './organizations-actions.js';
import { OrganizationsError } from './organizations-error.js';
import { Paging } from './paging.js';

const TARGET_PREFIX = 'AWSOrganizationsV20161128.';

/** SigV4 failures, reworded as the JSON-protocol services name them. */
const SIGNATURE_CODES: Partial<Record<string, OrganizationsError['code']>> = {
  InvalidClientTokenId: 'UnrecognizedClientException',
  SignatureDoesNotMatch: 'InvalidSignatureException',
  IncompleteSignature: 'IncompleteSignatureException',
  ExpiredToken: 'ExpiredTokenException',
};

/**
 * The devstack's AWS Organizations subset (JSON 1.1 protocol, `X-Amz-Target:
 * AWSOrganizationsV20161128.<Action>`) on the STS endpoint's address: requests
 * with that target are answered here, everything else falls through to STS.
 * Calls are SigV4-verified for the `organizations` signing name against the
 * same keys and issued sessions as STS.
 */
export function organizationsRoutes(org: Organization | undefined, services: StsServices, logger?: DevstackLogger): Router {
  const router = Router();
  const paging = new Paging();
  const isOrganizationsCall = (req: Request | import('node:http').IncomingMessage) =>
    (req.headers['x-amz-target'] ?? '').toString().startsWith(TARGET_PREFIX);

  // Only Organizations calls are read here; STS's (up to 256 KiB SAML assertions) pass through unread.
  router.post('/', express.raw({ type: isOrganizationsCall, limit: '64kb' }), async (req: Request, res: Response, next: NextFunction) => {
    if (!isOrganizationsCall(req)) {
      next();
      return;
    }
    const requestId = newRequestId();
    const action = String(req.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    res.set('x-amzn-RequestId', requestId);
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
      const [path = '/', rawQuery = ''] = req.originalUrl.split('?', 2);
      const signed = await verifySignature({ method: req.method, path, query: new URLSearchParams(rawQuery), headers, body }, services);
      const handler = Object.hasOwn(ORGANIZATIONS_ACTIONS, action) ? ORGANIZATIONS_ACTIONS[action] : undefined;
      if (!handler) throw new OrganizationsError('UnknownOperationException', `The operation ${action} is not supported by the devstack.`);
      const input = parseInput(body);
      authorize(org, signed, handler.members);
      const result = handler.run({ input, org, paging });
      logger?.info({ action, requestId }, 'organizations call succeeded');
      res.status(200).type('application/x-amz-json-1.1').send(JSON.stringify(result));
    } catch (error) {
      const answer =
        error instanceof OrganizationsError
          ? error
          : new OrganizationsError(
              'ServiceException',
              "AWS Organizations can't complete your request because of an internal service error.",
              500,
            );
      if (answer.status >= 500) logger?.warn({ action, requestId, err: String(error) }, 'organizations call failed unexpectedly');
      else logger?.info({ action, requestId, code: answer.code, reason: answer.message }, 'organizations call refused');
      res.status(answer.status).set('x-amzn-ErrorType', answer.code).type('application/x-amz-json-1.1').send(JSON.stringify(answer.body()));
    }
  });
  return router;
}

async function verifySignature(request: Parameters<typeof verifySigV4>[0], services: StsServices): Promise<Caller> {
  let signed;
  try {
    signed = await verifySigV4(request, services, 'organizations');
  } catch (error) {
    if (!(error instanceof StsError)) throw error;
    throw new OrganizationsError(
      SIGNATURE_CODES[error.code] ?? 'UnrecognizedClientException',
      error.message,
      error.code === 'SignatureDoesNotMatch' ? 403 : 400,
    );
  }
  if (!signed) throw new OrganizationsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  return signed.caller;
}

function parseInput(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OrganizationsError('InvalidInputException', 'The request body is not valid JSON.', 400, 'INVALID_INPUT');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new OrganizationsError('InvalidInputException', 'The request body must be a JSON object.', 400, 'INVALID_INPUT');
  return parsed as Record<string, unknown>;
}

/**
 * As AWS answers: an account outside any Organization gets
 * AWSOrganizationsNotInUseException; a member account (or a management-account
 * identity that may not read it) AccessDeniedException. Only sessions of roles
 * in the management account (of `readerRoles`, when set) may list.
 */
function authorize(org: Organization | undefined, caller: Caller, membersAllowed: boolean): asserts org is Organization {
  const accountId = caller.kind === 'session' ? caller.session.role.account.id : caller.user.account.id;
  if (!org?.account(accountId))
    throw new OrganizationsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  if (membersAllowed) return;
  const denied = new OrganizationsError('AccessDeniedException', "You don't have permissions to access this resource.");
  if (accountId !== org.managementAccountId || caller.kind !== 'session') throw denied;
  if (org.readerRoles.size > 0 && !org.readerRoles.has(caller.session.role.name)) throw denied;
}

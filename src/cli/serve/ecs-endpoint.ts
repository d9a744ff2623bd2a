import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CliContext } from '../cli-context.js';
import type { RoleRequest } from '../role-credentials.js';
import { answer, failureOf } from './answer.js';
import { browserLike } from './request-guard.js';
import type { ServedRole } from './served-role.js';

export interface EcsEndpoint {
  token: string;
  /** The role served at `/`; without it the path names it: `/role/<account>/<role>`. */
  fixed?: RoleRequest;
  served(request: RoleRequest): ServedRole;
  ctx: CliContext;
}

/**
 * The container credentials protocol (what the SDKs' container provider reads
 * from AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN):
 * GET with the token in Authorization → AccessKeyId, SecretAccessKey, Token,
 * Expiration (plus RoleArn and AccountId).
 */
export async function handleEcs(req: IncomingMessage, res: ServerResponse, endpoint: EcsEndpoint): Promise<void> {
  const given = req.headers.authorization;
  if (given === undefined || given === '') return answer(res, 401, { message: 'missing Authorization header' });
  if (!sameSecret(given, endpoint.token)) return answer(res, 403, { message: 'wrong authorization token' });
  const browser = browserLike(req);
  if (browser) return answer(res, 403, { message: browser });
  if (req.method !== 'GET') return answer(res, 405, { message: 'only GET' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  let request = endpoint.fixed;
  if (!request) {
    const match = /^\/role\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!match) return answer(res, 404, { message: 'use /role/<account id or alias>/<role name>' });
    try {
      request = { account: decodeURIComponent(match[1] ?? ''), role: decodeURIComponent(match[2] ?? '') };
    } catch {
      return answer(res, 400, { message: 'the path is not valid percent-encoding' });
    }
  } else if (url.pathname !== '/') {
    return answer(res, 404, { message: 'this endpoint serves one role at /' });
  }
  try {
    const entry = await endpoint.served(request).current();
    const c = entry.credentials;
    answer(res, 200, {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      Token: c.SessionToken,
      Expiration: c.Expiration,
      ...(entry.roleArn ? { RoleArn: entry.roleArn } : {}),
      ...(entry.accountId ? { AccountId: entry.accountId } : {}),
    });
  } catch (error) {
    const failure = failureOf(error);
    endpoint.ctx.debug(`serving ${request.account}/${request.role} failed: ${failure.message}`);
    answer(res, failure.status, { message: failure.message });
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

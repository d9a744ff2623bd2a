import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CliContext } from '../cli-context.js';
import { answer, failureOf } from './answer.js';
import { browserLike, hostMatches } from './request-guard.js';
import type { ServedRole } from './served-role.js';

const TOKEN_PATH = '/latest/api/token';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
/** IMDSv2 session tokens live 1 s to 6 h (EC2 User Guide, "Use IMDSv2"). */
const MAX_TTL_S = 21_600;
/** Tokens kept at most: a client asking for a new token per call cannot grow the map without bound. */
const MAX_TOKENS = 1000;

export interface ImdsEndpoint {
  role: ServedRole;
  /** The IAM role name listed under security-credentials/. */
  roleName: string;
  address: string;
  port: number;
  ctx: CliContext;
  /** Session tokens and when they expire (ms). */
  tokens: Map<string, number>;
}

/**
 * A minimal IMDSv2 (the EC2 instance metadata service, token required) for
 * tools that only take credentials from instance metadata, reached through
 * AWS_EC2_METADATA_SERVICE_ENDPOINT:
 *
 * - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds`
 *   (1-21600) → a session token; refused with `X-Forwarded-For` (as EC2
 *   does: a request that went through a proxy).
 * - `GET /latest/meta-data/iam/security-credentials/` → the role name, and
 *   `…/<role name>` → Code, LastUpdated, Type, AccessKeyId, SecretAccessKey,
 *   Token, Expiration; both only with a valid `X-aws-ec2-metadata-token`
 *   (IMDSv1, without a token, is refused: 401).
 *
 * Browser-like requests and requests whose Host is not this endpoint (DNS
 * rebinding) are refused. EC2 also limits token responses to one network
 * hop (IP TTL 1); Node cannot set the TTL of a TCP socket, so this endpoint
 * listens on loopback only instead, out of reach of other hosts and of
 * containers with their own network namespace.
 */
export async function handleImds(req: IncomingMessage, res: ServerResponse, endpoint: ImdsEndpoint): Promise<void> {
  const text = (status: number, body: string) => answer(res, status, body, 'text/plain');
  if (!hostMatches(req, endpoint.address, endpoint.port)) return text(403, 'Forbidden: the Host header does not name this endpoint');
  const browser = browserLike(req);
  if (browser) return text(403, `Forbidden: ${browser}`);
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const now = endpoint.ctx.now();
  if (path === TOKEN_PATH) {
    if (req.method !== 'PUT') return text(405, 'Method Not Allowed');
    if (req.headers['x-forwarded-for'] !== undefined) return text(403, 'Forbidden');
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_S)
      return text(400, 'Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be 1-21600');
    const token = randomBytes(32).toString('base64url');
    remember(endpoint.tokens, token, now + ttl * 1000, now);
    res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
    return text(200, token);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method Not Allowed');
  const given = req.headers['x-aws-ec2-metadata-token'];
  const expires = typeof given === 'string' ? endpoint.tokens.get(given) : undefined;
  if (expires === undefined || expires <= now) return text(401, 'Unauthorized');
  if (path === CREDENTIALS_PATH || path === CREDENTIALS_PATH.slice(0, -1)) return text(200, endpoint.roleName);
  if (path !== `${CREDENTIALS_PATH}${endpoint.roleName}`) return text(404, 'Not Found');
  try {
    const entry = await endpoint.role.current();
    const c = entry.credentials;
    answer(res, 200, {
      Code: 'Success',
      LastUpdated: new Date(entry.obtainedAt ?? now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Type: 'AWS-HMAC',
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      Token: c.SessionToken,
      Expiration: c.Expiration,
    });
  } catch (error) {
    const failure = failureOf(error);
    endpoint.ctx.debug(`serving ${endpoint.roleName} failed: ${failure.message}`);
    answer(res, failure.status, { Code: 'Failure', Message: failure.message });
  }
}

function remember(tokens: Map<string, number>, token: string, expires: number, now: number): void {
  for (const [t, e] of tokens) if (e <= now) tokens.delete(t);
  while (tokens.size >= MAX_TOKENS) {
    const oldest = tokens.keys().next().value;
    if (oldest === undefined) break;
    tokens.delete(oldest);
  }
  tokens.set(token, expires);
}

import { request } from 'node:http';

/** What aws-iam-authenticator returns for a valid token (pkg/token Identity). */
export interface EksIdentity {
  arn: string;
  /** `arn:aws:iam::<account>:role/<name>` for an assumed role (what aws-auth / access entries map). */
  canonicalArn: string;
  accountId: string;
  userId: string;
  sessionName: string;
  accessKeyId: string;
}

/** A refused token: `format` (the token itself) or `sts` (STS refused the presigned request), as the authenticator words them. */
export class EksTokenError extends Error {
  constructor(
    readonly kind: 'format' | 'sts',
    message: string,
  ) {
    super(kind === 'format' ? `input token was not properly formatted: ${message}` : `sts getCallerIdentity failed: ${message}`);
    this.name = 'EksTokenError';
  }
}

const PREFIX = 'k8s-aws-v1.';
const MAX_TOKEN_BYTES = 4096;
const LIFETIME_MS = 15 * 60_000;
const ALLOWED_PARAMS = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
]);

export interface VerifyOptions {
  /** The cluster this authenticator serves: sent as `x-k8s-aws-id`, which the token must have signed. */
  clusterId: string;
  /** Where GetCallerIdentity is really sent: the devstack STS (the token's host goes in the Host header). */
  stsUrl: string;
  now: () => Date;
}

/**
 * Verifies an EKS token exactly as aws-iam-authenticator's server does
 * (github.com/kubernetes-sigs/aws-iam-authenticator, README "How does it
 * work?" and pkg/token Verify): at most 4 KiB; the `k8s-aws-v1.` prefix;
 * base64url without padding; an https URL to an STS host of the aws
 * partition, path `/`; only the known query parameters, each once;
 * Action=GetCallerIdentity; `x-k8s-aws-id` among the signed headers;
 * X-Amz-Expires 0-900; X-Amz-Date at most 15 minutes old. Then it sends the
 * GET, adding `x-k8s-aws-id: <its own cluster id>` and `accept:
 * application/json`, and maps the caller's ARN. Only the transport differs:
 * the request goes to the devstack STS instead of the internet.
 */
export async function verifyEksToken(token: string, options: VerifyOptions): Promise<EksIdentity> {
  if (token.length > MAX_TOKEN_BYTES) throw new EksTokenError('format', 'token is too large');
  if (!token.startsWith(PREFIX)) throw new EksTokenError('format', `token is missing expected "${PREFIX}" prefix`);
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) throw new EksTokenError('format', 'illegal base64 data');
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new EksTokenError('format', 'the token is not a URL');
  }
  if (url.protocol !== 'https:') throw new EksTokenError('format', `unexpected scheme "${url.protocol.slice(0, -1)}" in pre-signed URL`);
  if (!/^sts(\.[a-z]{2}(-gov)?-[a-z]+-\d)?\.amazonaws\.com$/.test(url.host))
    throw new EksTokenError('format', `unexpected hostname "${url.host}" in pre-signed URL`);
  if (url.pathname !== '/') throw new EksTokenError('format', 'unexpected path in pre-signed URL');
  const params = new Map<string, string>();
  for (const key of new Set(url.searchParams.keys())) {
    if (!ALLOWED_PARAMS.has(key.toLowerCase())) throw new EksTokenError('format', `non-whitelisted query parameter "${key}"`);
    const values = url.searchParams.getAll(key);
    if (values.length !== 1) throw new EksTokenError('format', 'query parameter with multiple values not supported');
    params.set(key.toLowerCase(), values[0] ?? '');
  }
  if (params.get('action') !== 'GetCallerIdentity') throw new EksTokenError('format', 'unexpected action parameter in pre-signed URL');
  if (!(params.get('x-amz-signedheaders') ?? '').toLowerCase().split(';').includes('x-k8s-aws-id'))
    throw new EksTokenError('format', 'client did not sign the x-k8s-aws-id header in the pre-signed URL');
  const expires = Number(params.get('x-amz-expires'));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900)
    throw new EksTokenError('format', 'invalid X-Amz-Expires parameter in pre-signed URL');
  const date = params.get('x-amz-date') ?? '';
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!m) throw new EksTokenError('format', 'X-Amz-Date parameter must be present in pre-signed URL');
  const signedAt = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (options.now().getTime() > signedAt + LIFETIME_MS)
    throw new EksTokenError('format', 'X-Amz-Date parameter is expired (15 minute expiration)');

  const answer = await get(`${options.stsUrl}/?${url.searchParams.toString()}`, {
    host: url.host,
    'x-k8s-aws-id': options.clusterId,
    accept: 'application/json',
  });
  if (answer.status !== 200)
    throw new EksTokenError('sts', `error from AWS (expected 200, got ${String(answer.status)}). Body: ${answer.body}`);
  const result = (JSON.parse(answer.body) as { GetCallerIdentityResponse?: { GetCallerIdentityResult?: Record<string, string> } })
    .GetCallerIdentityResponse?.GetCallerIdentityResult;
  const arn = result?.Arn ?? '';
  const [userId = '', sessionName = ''] = (result?.UserId ?? '').split(':');
  return {
    arn,
    canonicalArn: canonicalize(arn),
    accountId: result?.Account ?? '',
    userId,
    sessionName,
    accessKeyId: (params.get('x-amz-credential') ?? '').split('/')[0] ?? '',
  };
}

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R` (pkg/arn Canonicalize); other ARNs unchanged. */
function canonicalize(arn: string): string {
  const assumed = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return assumed ? `arn:${assumed[1] ?? 'aws'}:iam::${assumed[2] ?? ''}:role/${assumed[3] ?? ''}` : arn;
}

function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body = (body + chunk.toString('utf8')).slice(0, 65_536)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => reject(new EksTokenError('sts', `error during GET: ${error.message}`)));
    req.end();
  });
}

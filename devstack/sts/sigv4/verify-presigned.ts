import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Caller, StsServices } from '../actions/action-context.js';
import { StsError } from '../protocol/sts-error.js';
import type { RawRequest } from './verify-sigv4.js';
import { resolveKey } from './verify-sigv4.js';

/**
 * STS accepts a presigned GetCallerIdentity for 15 minutes after its X-Amz-Date,
 * whatever X-Amz-Expires says (aws-sdk-go issue 2167; aws-iam-authenticator relies
 * on it: its tokens carry X-Amz-Expires=60 and live 15 minutes).
 */
const PRESIGNED_LIFETIME_MS = 15 * 60_000;
const SIGNATURE_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
];

/**
 * Authenticates a SigV4 query-string presigned request ("Authenticating
 * Requests: Using Query Parameters"): the X-Amz-* parameters name the key,
 * the date, the signed headers (every one must be sent: for an EKS token that
 * includes `x-k8s-aws-id`, so a token signed for one cluster fails for
 * another) and the signature, recomputed here with @smithy/signature-v4 —
 * an implementation independent of the rolegate CLI's own presigner.
 */
export async function verifyPresigned(request: RawRequest, services: StsServices): Promise<{ caller: Caller; region: string }> {
  const q = request.query;
  const param = (name: string) => {
    const values = q.getAll(name);
    if (values.length !== 1 || values[0] === '')
      throw new StsError('IncompleteSignature', `The presigned request needs exactly one ${name}.`);
    return values[0] ?? '';
  };
  if (param('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new StsError('IncompleteSignature', 'Only AWS4-HMAC-SHA256 is supported.');
  const scope = param('X-Amz-Credential').split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || scope[3] !== 'sts')
    throw new StsError('IncompleteSignature', 'Credential should be scoped to a valid region, service sts and aws4_request terminator.');
  const [accessKeyId = '', date = '', region = ''] = scope;
  const amzDate = param('X-Amz-Date');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date))
    throw new StsError('IncompleteSignature', 'X-Amz-Date must be YYYYMMDDThhmmssZ of the Credential scope’s day.');
  const expires = Number(param('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > 604_800)
    throw new StsError('IncompleteSignature', 'X-Amz-Expires must be whole seconds from 1 to 604800.');
  const signedHeaders = param('X-Amz-SignedHeaders').split(';');
  if (!signedHeaders.includes('host')) throw new StsError('IncompleteSignature', 'The presigned request must sign the host header.');
  const signature = param('X-Amz-Signature');
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  const now = services.now().getTime();
  if (now > signingDate.getTime() + PRESIGNED_LIFETIME_MS || signingDate.getTime() > now + PRESIGNED_LIFETIME_MS)
    throw new StsError('SignatureDoesNotMatch', `Signature expired: ${amzDate} is now earlier than 15 minutes before the current time.`);

  const token = q.has('X-Amz-Security-Token') ? param('X-Amz-Security-Token') : undefined;
  const { caller, secretAccessKey, sessionToken } = resolveKey(accessKeyId, token, services);
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new StsError('SignatureDoesNotMatch', `The request signs header ${name} but does not send it.`);
    headers[name] = value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of q) if (!SIGNATURE_PARAMS.includes(key)) query[key] = value;
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
    region,
    service: 'sts',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  });
  const presigned = await signer.presign(
    { method: request.method, protocol: 'https:', hostname: headers.host ?? '', path: request.path, query, headers, body: request.body },
    { signingDate, expiresIn: expires, signableHeaders: new Set(signedHeaders) },
  );
  const expected = String(presigned.query?.['X-Amz-Signature'] ?? '');
  const sameHeaders = String(presigned.query?.['X-Amz-SignedHeaders'] ?? '') === signedHeaders.join(';');
  if (!sameHeaders || expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    throw new StsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  return { caller, region };
}

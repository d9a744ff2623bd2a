import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Caller, StsServices } from '../actions/action-context.js';
import { StsError } from '../protocol/sts-error.js';
import { parseAuthorization } from './parse-authorization.js';
import { verifyPresigned } from './verify-presigned.js';

/** The request as it arrived, before any parsing of the body. */
export interface RawRequest {
  method: string;
  /** Path without the query string, as sent. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

/** SigV4 allows 15 minutes of clock difference (AWS General Reference, "Signature Version 4"). */
const MAX_SKEW_MS = 15 * 60_000;

/**
 * Authenticates a SigV4-signed request against the known long-term keys and the
 * issued temporary credentials, recomputing the signature with
 * `@smithy/signature-v4` over exactly the headers the client signed.
 * Returns undefined for an unsigned request. `service` is the signing name the
 * credential scope must carry (`sts`, `organizations`); presigned URLs are STS's only.
 */
export async function verifySigV4(
  request: RawRequest,
  services: StsServices,
  service: 'sts' | 'iam' | 'organizations' = 'sts',
): Promise<{ caller: Caller; region: string } | undefined> {
  const header = request.headers.authorization;
  if (header === undefined)
    return service === 'sts' && request.query.has('X-Amz-Algorithm') ? verifyPresigned(request, services) : undefined;
  const auth = parseAuthorization(header);
  if (auth.service !== service)
    throw new StsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'.`);
  const amzDate = request.headers['x-amz-date'];
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !auth.signedHeaders.includes('x-amz-date') || !auth.signedHeaders.includes('host'))
    throw new StsError('IncompleteSignature', 'The request must sign the host and x-amz-date headers.');
  if (!amzDate.startsWith(auth.date))
    throw new StsError(
      'SignatureDoesNotMatch',
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.',
    );

  const { caller, secretAccessKey, sessionToken } = resolveKey(auth.accessKeyId, request.headers['x-amz-security-token'], services);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  const now = services.now().getTime();
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS)
    throw new StsError(
      'SignatureDoesNotMatch',
      `Signature expired: ${amzDate} is now earlier or later than 15 minutes from the current time.`,
    );

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new StsError('SignatureDoesNotMatch', `The request signs header ${name} but does not send it.`);
    headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: auth.accessKeyId,
      secretAccessKey,
      ...(auth.signedHeaders.includes('x-amz-security-token') && sessionToken ? { sessionToken } : {}),
    },
    region: auth.region,
    service,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: request.path, query, headers, body: request.body },
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
  if (expected.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature)))
    throw new StsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  return { caller, region: auth.region };
}

export function resolveKey(
  accessKeyId: string,
  tokenHeader: string | undefined,
  services: StsServices,
): { caller: Caller; secretAccessKey: string; sessionToken?: string } {
  const invalidToken = () => new StsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  const longTerm = services.world.accessKeys.get(accessKeyId);
  if (longTerm) {
    if (tokenHeader !== undefined) throw invalidToken();
    return { caller: { kind: 'user', user: longTerm.user, accessKeyId }, secretAccessKey: longTerm.secretAccessKey };
  }
  const session = services.registry.get(accessKeyId);
  if (!session || tokenHeader === undefined) throw invalidToken();
  const given = Buffer.from(tokenHeader);
  const known = Buffer.from(session.sessionToken);
  if (given.length !== known.length || !timingSafeEqual(given, known)) throw invalidToken();
  if (services.now().getTime() >= session.expiration.getTime())
    throw new StsError('ExpiredToken', 'The security token included in the request is expired');
  return { caller: { kind: 'session', session }, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
}

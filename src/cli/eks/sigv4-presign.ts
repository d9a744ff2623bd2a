import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PresignRequest {
  method: 'GET';
  host: string;
  path: string;
  /** The request's own query parameters (the X-Amz-* ones are added here). */
  query: Record<string, string>;
  /** Headers to sign besides `host` (lower-case names); the client must send them. */
  headers: Record<string, string>;
  region: string;
  service: string;
  expiresSeconds: number;
  now: Date;
}

/**
 * A SigV4 query-string presigned URL ("Authenticating Requests: Using Query
 * Parameters", AWS Signature Version 4), with node:crypto only: the CLI loads
 * no SDK. The payload is the empty body's SHA-256, as every SDK signs a
 * presigned request for a service other than S3.
 */
export function presignUrl(request: PresignRequest, credentials: SigningCredentials): string {
  const amzDate = request.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${request.region}/${request.service}/aws4_request`;
  const headers: Record<string, string> = { host: request.host };
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value.trim().replace(/\s+/g, ' ');
  const signedHeaders = Object.keys(headers).sort().join(';');
  const query: Record<string, string> = {
    ...request.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(request.expiresSeconds),
    ...(credentials.sessionToken !== undefined ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': signedHeaders,
  };
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((key) => `${uriEncode(key)}=${uriEncode(query[key] ?? '')}`)
    .join('&');
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((name) => `${name}:${headers[name] ?? ''}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    request.path.split('/').map(uriEncode).join('/'),
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    sha256Hex(''),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, date);
  for (const part of [request.region, request.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `https://${request.host}${request.path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/** RFC 3986 unreserved characters stay; everything else is %XX (upper case), as SigV4 requires. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

import { StsError } from '../protocol/sts-error.js';

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const HEADER = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses the header; anything malformed is `IncompleteSignature`, as AWS answers. */
export function parseAuthorization(header: string): SigV4Authorization {
  const match = HEADER.exec(header.trim());
  if (!match)
    throw new StsError(
      'IncompleteSignature',
      'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256 only).',
    );
  const scope = (match[1] ?? '').split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request')
    throw new StsError('IncompleteSignature', 'Credential should be scoped to a valid region, service and aws4_request terminator.');
  const [accessKeyId = '', date = '', region = '', service = ''] = scope;
  return { accessKeyId, date, region, service, signedHeaders: (match[2] ?? '').split(';'), signature: match[3] ?? '' };
}

/** Which STS failures are worth retrying, and how long to wait between attempts. */

const THROTTLING_CODES = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown']);
// IDPCommunicationError: STS could not reach the IdP's JWKS; AWS documents it as retryable.
const TRANSIENT_CODES = new Set(['InternalFailure', 'InternalError', 'ServiceUnavailable', 'IDPCommunicationError', 'RequestTimeout']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
  'AbortError',
  'RequestTimeout',
]);

export type FailureKind = 'throttled' | 'transient' | 'network' | 'refused';

export function classifyStsFailure(error: { name?: string; code?: string; $metadata?: { httpStatusCode?: number } }): FailureKind {
  const name = error.name ?? '';
  if (THROTTLING_CODES.has(name) || error.$metadata?.httpStatusCode === 429) return 'throttled';
  if (TRANSIENT_CODES.has(name) || (error.$metadata?.httpStatusCode ?? 0) >= 500) return 'transient';
  if (NETWORK_CODES.has(error.code ?? '') || NETWORK_CODES.has(name) || error.$metadata === undefined) return 'network';
  return 'refused';
}

/** "Full jitter" back-off (AWS Architecture Blog): a random wait in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

import { createHash, timingSafeEqual } from 'node:crypto';

// RFC 7636 §4.1: code_verifier = 43-128 characters of [A-Z a-z 0-9 - . _ ~].
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// §4.2: with S256 the challenge is BASE64URL(SHA256(verifier)): 43 characters, no padding.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isCodeVerifier(value: string): boolean {
  return VERIFIER.test(value);
}

export function isS256Challenge(value: string): boolean {
  return S256_CHALLENGE.test(value);
}

/** BASE64URL(SHA256(ASCII(code_verifier))) — RFC 7636 §4.2. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether `verifier` answers `challenge` (S256 only: `plain` is never accepted). Constant-time comparison. */
export function verifiesChallenge(verifier: string, challenge: string): boolean {
  if (!isCodeVerifier(verifier) || !isS256Challenge(challenge)) return false;
  const left = Buffer.from(s256(verifier));
  const right = Buffer.from(challenge);
  return left.length === right.length && timingSafeEqual(left, right);
}

import { createHash, randomBytes } from 'node:crypto';
import type { TokenResponse } from '../../contracts/cli-auth.js';
import { CliError, ExitCode } from '../errors.js';
import { isTokenResponse } from '../oauth-client.js';

/** PKCE (RFC 7636): a 256-bit verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The token answer, checked for the fields the CLI relies on. */
export function tokenAnswer(body: unknown): TokenResponse {
  if (!isTokenResponse(body)) throw new CliError(ExitCode.brokerError, `the broker's token answer is not what rolegate sends`);
  return body;
}

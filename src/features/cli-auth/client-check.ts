import { oauthError } from '../../domain/oauth/oauth-error.js';
import type { CliClient } from '../../ports/cli-grant-store.js';
import type { CliAuthDeps } from './cli-auth-deps.js';

/**
 * The client of a token, device or revocation request. CLI clients are
 * public (RFC 6749 §2.1): they identify themselves with client_id and prove
 * nothing else, which is why codes need PKCE and tokens are bound to the client.
 */
export async function publicClient(deps: Pick<CliAuthDeps, 'grants'>, clientId: string | undefined): Promise<CliClient> {
  if (clientId === undefined || clientId === '') throw oauthError('invalid_request', 'client_id is required');
  const client = await deps.grants.findClient(clientId);
  if (!client) throw oauthError('invalid_client', `Unknown client ${clientId.slice(0, 64)}`);
  return client;
}

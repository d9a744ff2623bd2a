import type { AuthorizationServerMetadata, OAuthErrorResponse, TokenResponse } from '../contracts/cli-auth.js';
import { CLI_CLIENT_ID } from '../contracts/cli-auth.js';
import type { DebugLog } from './debug-log.js';
import { CliError, ExitCode } from './errors.js';
import { API_TIMEOUT_MS, jsonOf, send, TOKEN_TIMEOUT_MS, unexpectedAnswer } from './http-client.js';

/** An OAuth error answer of the broker (RFC 6749 §5.2). */
export class OAuthAnswerError extends Error {
  override name = 'OAuthAnswerError';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${error}: ${description}`);
  }
}

/** The broker's authorization server metadata; proves the URL is a rolegate broker. */
export async function discover(broker: string, debug: DebugLog): Promise<AuthorizationServerMetadata> {
  const answer = await send({ method: 'GET', url: `${broker}/.well-known/oauth-authorization-server`, timeoutMs: API_TIMEOUT_MS, debug });
  const body = jsonOf(answer) as Partial<AuthorizationServerMetadata> | undefined;
  if (answer.status !== 200 || !body?.rolegate || typeof body.token_endpoint !== 'string') {
    throw new CliError(
      ExitCode.brokerError,
      `${broker} does not look like a rolegate broker (GET /.well-known/oauth-authorization-server answered ${String(answer.status)})`,
      'check --broker / ROLEGATE_URL: it is the URL of the rolegate portal',
    );
  }
  return body as AuthorizationServerMetadata;
}

/** POSTs a form to an OAuth endpoint; returns the JSON on 200, throws OAuthAnswerError on an OAuth error answer. */
export async function postOAuthForm(
  url: string,
  form: Record<string, string | undefined>,
  debug: DebugLog,
  timeoutMs = TOKEN_TIMEOUT_MS,
): Promise<unknown> {
  const answer = await send({ method: 'POST', url, form: { client_id: CLI_CLIENT_ID, ...form }, timeoutMs, debug });
  const body = jsonOf(answer);
  if (answer.status === 200) return body ?? {};
  const oauth = body as Partial<OAuthErrorResponse> | undefined;
  if (typeof oauth?.error === 'string') throw new OAuthAnswerError(oauth.error, oauth.error_description ?? oauth.error, answer.status);
  throw unexpectedAnswer(url, answer);
}

export function isTokenResponse(value: unknown): value is TokenResponse {
  const body = value as Partial<TokenResponse> | undefined;
  return (
    typeof body?.access_token === 'string' &&
    typeof body.refresh_token === 'string' &&
    typeof body.expires_in === 'number' &&
    typeof body.refresh_token_expires_in === 'number'
  );
}

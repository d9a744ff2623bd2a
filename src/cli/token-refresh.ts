import type { CliContext } from './cli-context.js';
import { CliError, ExitCode, loginRequired } from './errors.js';
import { isTokenResponse, OAuthAnswerError, postOAuthForm } from './oauth-client.js';
import { forgetRefreshToken, refreshTokenOf, saveTokens } from './token-secrets.js';
import { deleteTokens, type StoredTokens } from './token-store.js';

/** Exchanges the refresh token (call only while holding the lock) and stores the rotated pair. */
export async function refreshTokens(ctx: CliContext, tokens: StoredTokens): Promise<StoredTokens> {
  ctx.debug('refreshing the access token');
  let body: unknown;
  try {
    body = await postOAuthForm(
      `${tokens.broker}/oauth/token`,
      { grant_type: 'refresh_token', refresh_token: refreshTokenOf(tokens), client_id: tokens.clientId },
      ctx.debug,
    );
  } catch (error) {
    if (error instanceof OAuthAnswerError && error.error === 'invalid_grant') {
      // Revoked, expired or reused: these tokens will never work again.
      forgetRefreshToken(tokens, ctx.debug);
      deleteTokens(ctx.paths);
      throw loginRequired(`the broker refused the CLI session: ${error.description}`);
    }
    if (error instanceof OAuthAnswerError) {
      throw new CliError(ExitCode.brokerError, `the broker refused to refresh the tokens: ${error.error}: ${error.description}`);
    }
    throw error;
  }
  if (!isTokenResponse(body)) throw new CliError(ExitCode.brokerError, `the broker's token answer is not what rolegate sends`);
  const now = ctx.now();
  const next: StoredTokens = {
    ...tokens,
    refreshTokenIn: undefined,
    accessToken: body.access_token,
    accessTokenExpiresAt: now + body.expires_in * 1000,
    refreshToken: body.refresh_token,
    refreshTokenExpiresAt: now + body.refresh_token_expires_in * 1000,
    obtainedAt: now,
  };
  return saveTokens(ctx, next, (text) => process.stderr.write(text));
}

import type { CliContext } from './cli-context.js';
import { loginRequired } from './errors.js';
import { withFileLock } from './file-lock.js';
import { TOKEN_TIMEOUT_MS } from './http-client.js';
import { readTokens, type StoredTokens } from './token-store.js';

/** An access token with less than this left is refreshed first. */
export const ACCESS_TOKEN_MARGIN_MS = 60_000;

/** Lock settings for refreshing: waiters give up after 30 s; a holder older than 60 s (4× the token timeout) is abandoned. */
const LOCK = { timeoutMs: 30_000, staleMs: 4 * TOKEN_TIMEOUT_MS, pollMs: 20 };

export interface AccessTokenOptions {
  /**
   * The access token the broker just refused (401): refresh even though it
   * looks valid — unless another process has already replaced it, in which
   * case its replacement is returned.
   */
  rejected?: string;
}

/**
 * A valid access token for the context's broker. Uses the stored one while
 * it has more than a minute left; otherwise refreshes it under a lock file,
 * so ten processes started at once do one refresh (the others wait, then
 * read the new tokens). Our own processes therefore never present a
 * rotated refresh token — which the broker would take as theft and answer
 * by revoking the whole CLI session.
 *
 * Throws CliError: loginRequired (3) when not signed in to this broker or
 * the session ended / was revoked, unreachable (4), brokerError (6),
 * insecureFile (7), busy (10).
 */
export async function getAccessToken(ctx: CliContext, options: AccessTokenOptions = {}): Promise<string> {
  const broker = ctx.broker().url;
  const usable = (tokens: StoredTokens) => isFresh(tokens, ctx.now()) && tokens.accessToken !== options.rejected;
  const seen = signedInTokens(ctx, broker);
  if (usable(seen)) return seen.accessToken;
  return withFileLock(ctx.paths.tokensLock, LOCK, async () => {
    // Another process may have refreshed while we waited for the lock: use its tokens.
    const current = signedInTokens(ctx, broker);
    if (usable(current)) {
      ctx.debug('using the tokens another rolegate process just refreshed');
      return current.accessToken;
    }
    // Loaded only to refresh (every 15 minutes): the OAuth client and the keychain stay out of every other start.
    const { refreshTokens } = await import('./token-refresh.js');
    return (await refreshTokens(ctx, current)).accessToken;
  });
}

/** The stored tokens for `broker`, or a loginRequired CliError that says why there are none. */
export function signedInTokens(ctx: CliContext, broker: string): StoredTokens {
  const tokens = readTokens(ctx.paths);
  if (!tokens) throw loginRequired(`you are not signed in to ${broker}`);
  if (tokens.broker !== broker)
    throw loginRequired(`you are signed in to ${tokens.broker}, not to ${broker}`, `run \`rolegate login --broker ${broker}\``);
  if (tokens.refreshTokenExpiresAt <= ctx.now()) {
    throw loginRequired(`your rolegate CLI session ended at ${new Date(tokens.refreshTokenExpiresAt).toLocaleString()}`);
  }
  return tokens;
}

function isFresh(tokens: StoredTokens, now: number): boolean {
  return tokens.accessTokenExpiresAt - now > ACCESS_TOKEN_MARGIN_MS;
}

import type { CliContext } from './cli-context.js';
import { LOGIN_HINT, loginRequired } from './errors.js';
import { keychainFor, type Keychain } from './keychain.js';
import { readSettings } from './settings-file.js';
import { writeTokens, type StoredTokens } from './token-store.js';

/**
 * Where the refresh token lives: in tokens.json (0600, the default), or —
 * with `"refreshTokenStore": "keychain"` in config.json (`rolegate login
 * --keychain`) — in the OS keychain, tokens.json then holding everything but
 * it. The access token stays in the file either way: it lives 15 minutes and
 * is read on every broker call.
 */
export function wantsKeychain(ctx: CliContext): boolean {
  return readSettings(ctx.paths.config).refreshTokenStore === 'keychain';
}

/**
 * Saves tokens (with their refresh token in `refreshToken`); returns what
 * tokens.json now holds. When the keychain is wanted but cannot take the
 * token (tool missing, locked), the file keeps it, with a warning.
 */
export function saveTokens(
  ctx: CliContext,
  tokens: StoredTokens,
  warn: (text: string) => void,
  keychain: Keychain = keychainFor(),
): StoredTokens {
  const { refreshTokenIn: _previous, ...plain } = tokens;
  if (wantsKeychain(ctx)) {
    try {
      keychain.store(tokens.broker, tokens.refreshToken);
      const stored: StoredTokens = { ...plain, refreshToken: '', refreshTokenIn: 'keychain' };
      writeTokens(ctx.paths, stored);
      return stored;
    } catch (error) {
      warn(
        `rolegate: warning: the OS keychain did not take the refresh token (${(error as Error).message}); it stays in tokens.json (0600)\n`,
      );
    }
  }
  writeTokens(ctx.paths, plain);
  return plain;
}

/** The refresh token, from tokens.json or the keychain; loginRequired when the keychain no longer has it. */
export function refreshTokenOf(tokens: StoredTokens, keychain: Keychain = keychainFor()): string {
  if (tokens.refreshTokenIn !== 'keychain') return tokens.refreshToken;
  try {
    return keychain.load(tokens.broker);
  } catch (error) {
    throw loginRequired(`the refresh token is not in the OS keychain (${keychain.tool}: ${(error as Error).message})`, LOGIN_HINT);
  }
}

/** Deletes the keychain's copy, best effort (logout, a refused session). */
export function forgetRefreshToken(tokens: StoredTokens, debug: (text: string) => void, keychain: Keychain = keychainFor()): void {
  if (tokens.refreshTokenIn !== 'keychain') return;
  try {
    keychain.remove(tokens.broker);
  } catch (error) {
    debug(`could not delete the refresh token from the OS keychain: ${(error as Error).message}`);
  }
}

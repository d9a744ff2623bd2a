import type { CliPaths } from './config-dir.js';
import { readPrivateFile, writePrivateFile } from './secure-files.js';

// node:fs through getBuiltinModule, not `import … from 'node:fs'`: see main.ts.
const { rmSync } = process.getBuiltinModule('node:fs');

/** tokens.json: the CLI's OAuth tokens for one broker. 0600 in a 0700 directory; refused when looser. */
export interface StoredTokens {
  version: 1;
  /** The broker these tokens belong to (normalised URL). */
  broker: string;
  clientId: string;
  accessToken: string;
  /** ms since epoch. */
  accessTokenExpiresAt: number;
  /** Empty when `refreshTokenIn` is `keychain` (token-secrets.ts). */
  refreshToken: string;
  /** Set when the refresh token is in the OS keychain instead of this file. */
  refreshTokenIn?: 'keychain';
  /** When the whole CLI session ends (ms since epoch): the user's maximum session. */
  refreshTokenExpiresAt: number;
  /** The machine name sent to the broker (shown on the portal). */
  deviceName: string;
  /** Who signed in, as the broker said at login. */
  user?: { id: string; username: string };
  /** ms since epoch of the last sign-in or refresh. */
  obtainedAt: number;
}

/** The stored tokens, or undefined when absent or unusable (a torn or foreign file). Throws InsecureFileError. */
export function readTokens(paths: Pick<CliPaths, 'tokens'>): StoredTokens | undefined {
  const text = readPrivateFile(paths.tokens);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<StoredTokens>;
    if (
      parsed.version !== 1 ||
      typeof parsed.broker !== 'string' ||
      typeof parsed.accessToken !== 'string' ||
      typeof parsed.refreshToken !== 'string' ||
      typeof parsed.accessTokenExpiresAt !== 'number' ||
      typeof parsed.refreshTokenExpiresAt !== 'number'
    ) {
      return undefined;
    }
    return parsed as StoredTokens;
  } catch {
    return undefined;
  }
}

/** Writes tokens.json atomically, 0600 (its directory 0700). */
export function writeTokens(paths: Pick<CliPaths, 'tokens'>, tokens: StoredTokens): void {
  writePrivateFile(paths.tokens, `${JSON.stringify(tokens, null, 2)}\n`);
}

export function deleteTokens(paths: Pick<CliPaths, 'tokens'>): void {
  rmSync(paths.tokens, { force: true });
}

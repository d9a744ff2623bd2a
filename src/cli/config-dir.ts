import path from 'node:path';

/** Where the CLI keeps its files. */
export interface CliPaths {
  dir: string;
  /** Optional settings (`{"broker": "https://…"}`). */
  config: string;
  /** The OAuth tokens of the current sign-in. */
  tokens: string;
  /** Held while refreshing tokens, so parallel processes do one refresh. */
  tokensLock: string;
  /** Local credential cache entries (credential-cache.ts) and EKS tokens. */
  cacheDir: string;
  /** The roles the broker last listed, for the picker and completion (offline). */
  roles: string;
  /** How often and how recently each role was used: the picker's frecency ranking. */
  history: string;
}

/**
 * The config directory: `ROLEGATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/rolegate`,
 * else `~/.config/rolegate` (on every platform: one place to document).
 */
export function configDirFrom(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const explicit = env.ROLEGATE_CONFIG_DIR?.trim();
  if (explicit) return path.resolve(explicit);
  const xdg = env.XDG_CONFIG_HOME?.trim();
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'rolegate');
  return path.join(home, '.config', 'rolegate');
}

export function cliPaths(dir: string): CliPaths {
  return {
    dir,
    config: path.join(dir, 'config.json'),
    tokens: path.join(dir, 'tokens.json'),
    tokensLock: path.join(dir, 'tokens.lock'),
    cacheDir: path.join(dir, 'cache'),
    roles: path.join(dir, 'roles.json'),
    history: path.join(dir, 'history.json'),
  };
}

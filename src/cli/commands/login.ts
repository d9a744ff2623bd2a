import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import type { MeResponse, TokenResponse } from '../../contracts/cli-auth.js';
import { CLI_CLIENT_ID } from '../../contracts/cli-auth.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { discover, postOAuthForm } from '../oauth-client.js';
import type { Output } from '../output.js';
import { readSettings, saveSettings } from '../settings-file.js';
import { refreshTokenOf, saveTokens } from '../token-secrets.js';
import { readTokens, writeTokens, type StoredTokens } from '../token-store.js';
import { deviceLogin } from './login-device.js';
import { loopbackLogin } from './login-loopback.js';

export interface LoginOptions {
  /** The broker came from --broker: save it as the default in config.json. */
  saveBroker: boolean;
  /** Use the device code flow even where a browser could be opened. */
  noBrowser: boolean;
  /** The machine's name as shown on the portal (default: the hostname). */
  deviceName?: string;
  /** How long to wait for the browser or the code confirmation. */
  timeoutSeconds: number;
  /** --keychain / --no-keychain: keep the refresh token in the OS keychain (saved in config.json), or in tokens.json. */
  keychain?: boolean;
  json: boolean;
}

/**
 * `rolegate login`: signs the CLI in to the broker — authorization code +
 * PKCE over a loopback redirect by default, the device code flow with
 * --no-browser or when no browser can be opened — stores the tokens (0600),
 * clears local credential caches (they may belong to someone else) and
 * prints who signed in.
 */
export async function runLogin(ctx: CliContext, options: LoginOptions, out: Output): Promise<void> {
  const broker = ctx.broker().url;
  const metadata = await discover(broker, ctx.debug);
  if (metadata.issuer !== broker) {
    throw new CliError(
      ExitCode.config,
      `the broker calls itself ${metadata.issuer}, not ${broker}`,
      `use --broker ${metadata.issuer} (its public URL) so browser and CLI talk to the same place`,
    );
  }
  const deviceName = (options.deviceName ?? hostname()).slice(0, 64);
  const timeoutMs = options.timeoutSeconds * 1000;
  let answer: TokenResponse | undefined;
  if (!options.noBrowser) answer = await loopbackLogin(ctx, metadata, { deviceName, timeoutMs }, out);
  answer ??= await deviceLogin(ctx, metadata, { deviceName, timeoutMs }, out);

  const previous = readPreviousTokens(ctx);
  // Read before the new sign-in replaces it (in the keychain both use the same item).
  let previousRefreshToken: string | undefined;
  try {
    previousRefreshToken = previous ? refreshTokenOf(previous) : undefined;
  } catch {
    previousRefreshToken = undefined;
  }
  const now = ctx.now();
  const tokens: StoredTokens = {
    version: 1,
    broker,
    clientId: CLI_CLIENT_ID,
    accessToken: answer.access_token,
    accessTokenExpiresAt: now + answer.expires_in * 1000,
    refreshToken: answer.refresh_token,
    refreshTokenExpiresAt: now + answer.refresh_token_expires_in * 1000,
    deviceName,
    obtainedAt: now,
  };
  if (options.keychain !== undefined) saveSettings(ctx.paths.config, { refreshTokenStore: options.keychain ? 'keychain' : 'file' });
  const stored = saveTokens(ctx, tokens, (text) => out.stderr(text));
  // Credentials cached for whoever was signed in before must not answer for this sign-in.
  rmSync(ctx.paths.cacheDir, { recursive: true, force: true });
  rmSync(ctx.paths.roles, { force: true });
  if (previous && previousRefreshToken !== undefined && previousRefreshToken !== tokens.refreshToken) {
    await revokeQuietly(ctx, previous, previousRefreshToken);
  }

  const me = await callApi<MeResponse>(ctx, { method: 'GET', path: '/api/v1/me' });
  writeTokens(ctx.paths, { ...stored, user: { id: me.id, username: me.username } });
  if (options.saveBroker && readSettings(ctx.paths.config).broker !== broker) {
    saveSettings(ctx.paths.config, { broker });
    out.stderr(`Saved ${broker} as the default broker in ${ctx.paths.config}.\n`);
  }
  const endsAt = new Date(tokens.refreshTokenExpiresAt);
  if (options.json) {
    const user = { id: me.id, idp: me.idp, username: me.username, email: me.email, displayName: me.displayName, groups: me.groups };
    out.stdout(`${JSON.stringify({ broker, user, deviceName, sessionExpiresAt: endsAt.toISOString() }, null, 2)}\n`);
    return;
  }
  const who = [me.displayName, me.email].filter(Boolean).join(', ');
  out.stdout(
    `Signed in to ${broker} as ${me.username}${who ? ` (${who})` : ''} via ${me.idp}.\n` +
      `Groups: ${me.groups.length > 0 ? me.groups.join(', ') : '(none: you have no AWS roles yet)'}\n` +
      `This CLI session lasts until ${endsAt.toLocaleString()}; \`rolegate logout\` ends it sooner.\n`,
  );
}

/** The tokens of the sign-in being replaced, if readable (an unsafe file is simply overwritten). */
function readPreviousTokens(ctx: CliContext): StoredTokens | undefined {
  try {
    return readTokens(ctx.paths);
  } catch (error) {
    ctx.debug(`replacing an unusable tokens.json: ${(error as Error).message}`);
    return undefined;
  }
}

/** Revokes the sign-in being replaced, best effort: it ends by itself anyway. */
async function revokeQuietly(ctx: CliContext, previous: StoredTokens, token: string): Promise<void> {
  try {
    await postOAuthForm(
      `${previous.broker}/oauth/revoke`,
      { token, token_type_hint: 'refresh_token', client_id: previous.clientId },
      ctx.debug,
      5000,
    );
    ctx.debug('revoked the previous CLI session');
  } catch (error) {
    ctx.debug(`could not revoke the previous CLI session: ${(error as Error).message}`);
  }
}

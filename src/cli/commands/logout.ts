import { readdirSync, rmSync } from 'node:fs';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../errors.js';
import { OAuthAnswerError, postOAuthForm } from '../oauth-client.js';
import type { Output } from '../output.js';
import { forgetRefreshToken, refreshTokenOf } from '../token-secrets.js';
import { deleteTokens, readTokens, type StoredTokens } from '../token-store.js';

/**
 * `rolegate logout`: revokes the CLI session at the broker (RFC 7009), then
 * deletes the tokens and every locally cached credential. The local part
 * always happens: an unreachable broker is reported, not fatal.
 */
export async function runLogout(ctx: CliContext, options: { json: boolean }, out: Output): Promise<void> {
  let tokens: StoredTokens | undefined;
  let unreadable: string | undefined;
  try {
    tokens = readTokens(ctx.paths);
  } catch (error) {
    unreadable = (error as Error).message; // e.g. group-readable: delete it, but do not trust (or send) its contents
  }
  let revocation: { kind: 'revoked' } | { kind: 'not-signed-in' } | { kind: 'failed'; reason: string } = { kind: 'not-signed-in' };
  if (tokens) {
    try {
      await postOAuthForm(
        `${tokens.broker}/oauth/revoke`,
        { token: refreshTokenOf(tokens), token_type_hint: 'refresh_token', client_id: tokens.clientId },
        ctx.debug,
        5000,
      );
      revocation = { kind: 'revoked' };
    } catch (error) {
      if (!(error instanceof CliError) && !(error instanceof OAuthAnswerError)) throw error;
      revocation = { kind: 'failed', reason: error.message };
    }
  }
  const cached = countFiles(ctx.paths.cacheDir);
  if (tokens) forgetRefreshToken(tokens, ctx.debug);
  deleteTokens(ctx.paths);
  rmSync(ctx.paths.cacheDir, { recursive: true, force: true });
  // The role list names what this user may take; the use history (frecency) is kept for the next sign-in.
  rmSync(ctx.paths.roles, { force: true });

  const endsAt = tokens ? new Date(tokens.refreshTokenExpiresAt).toLocaleString() : undefined;
  if (options.json) {
    out.stdout(
      `${JSON.stringify(
        {
          signedOut: true,
          broker: tokens?.broker ?? null,
          revoked: revocation.kind === 'revoked',
          revokeError: revocation.kind === 'failed' ? revocation.reason : null,
          deletedCachedCredentials: cached,
        },
        null,
        2,
      )}\n`,
    );
  }
  if (unreadable) out.stderr(`rolegate: warning: deleted tokens.json without using it: ${unreadable}\n`);
  if (tokens && revocation.kind === 'failed') {
    out.stderr(
      `rolegate: warning: could not revoke the CLI session at ${tokens.broker} (${revocation.reason}).\n` +
        `hint: it ends by itself at ${String(endsAt)}; to end it now, revoke it on the portal: ${tokens.broker.replace(/\/+$/, '')}/portal/cli-sessions\n`,
    );
  }
  if (options.json) return;
  const local = `deleted the local tokens${cached > 0 ? ` and ${String(cached)} cached credential${cached === 1 ? '' : 's'}` : ''}`;
  if (!tokens && !unreadable) out.stdout(`You were not signed in; ${local}.\n`);
  else if (revocation.kind === 'revoked') out.stdout(`Signed out of ${String(tokens?.broker)}: revoked the CLI session and ${local}.\n`);
  else out.stdout(`Signed out locally: ${local}.\n`);
}

function countFiles(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.json')).length;
  } catch {
    return 0;
  }
}

import type { TokenResponse } from '../../contracts/cli-auth.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import type { CliGrant } from '../../ports/cli-grant-store.js';
import type { RequestContext } from '../login/login-deps.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { cliAuditEvent } from './cli-audit.js';
import { publicClient } from './client-check.js';
import { tokenResponse } from './issue-grant.js';
import { isRefreshToken, newRefreshToken, sha256 } from './secrets.js';

const LOGIN_AGAIN = 'Run `rolegate login` again.';

/**
 * grant_type=refresh_token (RFC 6749 §6) with rotation on every use. A
 * refresh token that was already exchanged is either stolen or replayed:
 * either way the whole family (the grant) is revoked (RFC 9700 §4.14.2).
 * The rolegate CLI serialises its own refreshes under a lock file, so its
 * parallel processes never present one token twice.
 */
export async function refreshGrant(
  deps: CliAuthDeps,
  ctx: RequestContext,
  input: { clientId?: string; refreshToken?: string },
): Promise<TokenResponse> {
  const client = await publicClient(deps, input.clientId);
  if (!input.refreshToken) throw oauthError('invalid_request', 'refresh_token is required');
  const found = isRefreshToken(input.refreshToken) ? await deps.grants.findRefreshToken(sha256(input.refreshToken ?? '')) : null;
  if (!found) throw oauthError('invalid_grant', `Unknown refresh token. ${LOGIN_AGAIN}`);
  const { token, grant } = found;
  // Bound to the client it was issued to (RFC 6749 §10.4).
  if (token.clientId !== client.id) throw oauthError('invalid_grant', 'The refresh token was issued to another client');
  if (grant.revokedAt)
    throw oauthError('invalid_grant', `This CLI session was revoked (${grant.revokedReason ?? 'revoked'}). ${LOGIN_AGAIN}`);
  const now = deps.clock.now();
  if (grant.expiresAt.getTime() <= now || token.expiresAt.getTime() <= now) {
    throw oauthError('invalid_grant', `This CLI session has ended (it lasts as long as your sign-in allowed). ${LOGIN_AGAIN}`);
  }
  if (token.rotatedAt || token.revokedAt) return refuseReuse(deps, ctx, grant);
  const successor = newRefreshToken();
  const rotated = await deps.grants.rotateRefreshToken(token.id, sha256(successor), new Date(now));
  if (!rotated) return refuseReuse(deps, ctx, grant);
  const access = await deps.accessTokens.issue(grant);
  ctx.log.info({ event: 'cli.refresh', outcome: 'success', subject: grant.principal.id, grantId: grant.id }, 'CLI tokens refreshed');
  return tokenResponse(access, successor, grant.expiresAt.getTime(), now);
}

async function refuseReuse(deps: CliAuthDeps, ctx: RequestContext, grant: CliGrant): Promise<never> {
  const reason = 'refresh token reuse detected';
  await deps.grants.revokeGrant(grant.id, reason, new Date(deps.clock.now()));
  await deps.accessTokens.revokeGrant(grant.id);
  ctx.log.warn({ event: 'cli.refresh', outcome: 'denied', reason, subject: grant.principal.id, grantId: grant.id }, 'CLI session revoked');
  await deps.audit
    .record(
      cliAuditEvent(ctx, {
        type: 'cli.refresh',
        outcome: 'denied',
        reason: `${reason}: the CLI session was revoked`,
        principal: grant.principal,
        details: { grantId: grant.id, clientId: grant.clientId, deviceName: grant.deviceName },
      }),
    )
    .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the refused refresh'));
  throw oauthError(
    'invalid_grant',
    `This refresh token was already used, so the CLI session was revoked as a precaution (a copy of it may exist elsewhere). ${LOGIN_AGAIN}`,
  );
}

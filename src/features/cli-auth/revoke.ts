import { RolegateError } from '../../domain/errors.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import type { CliGrant } from '../../ports/cli-grant-store.js';
import type { RequestContext } from '../login/login-deps.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { cliAuditEvent } from './cli-audit.js';
import { publicClient } from './client-check.js';
import { isAccessToken, isRefreshToken, sha256 } from './secrets.js';

/** Who revoked a grant, for the audit trail and the stored reason. */
export type RevokedBy = 'cli-logout' | 'user' | 'admin' | 'sign-out-everywhere';

const REASONS: Record<RevokedBy, string> = {
  'cli-logout': 'revoked by `rolegate logout`',
  user: 'revoked by the user on the portal',
  admin: 'revoked by an administrator',
  'sign-out-everywhere': 'revoked when the user signed out everywhere',
};

/**
 * POST /oauth/revoke (RFC 7009). A refresh or access token ends its whole
 * grant (§2.1: the server "SHOULD also invalidate all access tokens based on
 * the same authorization grant"). Unknown, expired or malformed tokens are
 * not an error (§2.2): the answer is the same, so it reveals nothing.
 */
export async function revokeToken(
  deps: CliAuthDeps,
  ctx: RequestContext,
  input: { clientId?: string; token?: string; tokenTypeHint?: string },
): Promise<void> {
  const client = await publicClient(deps, input.clientId);
  const token = input.token;
  if (!token) throw oauthError('invalid_request', 'token is required');
  if (input.tokenTypeHint !== undefined && !['refresh_token', 'access_token'].includes(input.tokenTypeHint)) {
    throw oauthError('unsupported_token_type', 'token_type_hint must be refresh_token or access_token');
  }
  let grant: CliGrant | null = null;
  if (isRefreshToken(token)) {
    const found = await deps.grants.findRefreshToken(sha256(token));
    if (found && found.token.clientId !== client.id) throw oauthError('unauthorized_client', 'The token was issued to another client');
    grant = found?.grant ?? null;
  } else if (isAccessToken(token)) {
    const live = await deps.accessTokens.verify(token);
    if (live && live.clientId !== client.id) throw oauthError('unauthorized_client', 'The token was issued to another client');
    grant = live ? await deps.grants.findGrant(live.grantId) : null;
  }
  if (grant) await revokeOne(deps, ctx, grant, 'cli-logout');
}

/** DELETE /api/v1/cli-sessions/:id — a user ends one of their own CLI sessions. */
export async function revokeCliSession(deps: CliAuthDeps, ctx: RequestContext, principalId: string, grantId: string): Promise<void> {
  const grant = await deps.grants.findGrant(grantId);
  if (!grant || grant.principal.id !== principalId || grant.revokedAt || grant.expiresAt.getTime() <= deps.clock.now()) {
    throw new RolegateError('not_found', { detail: `You have no active CLI session ${grantId.slice(0, 64)}` });
  }
  await revokeOne(deps, ctx, grant, 'user');
}

/**
 * Revokes every CLI grant of a principal at once (their access tokens stop
 * working immediately). For administrators (`admin`) and "sign out
 * everywhere". Returns how many grants were live.
 */
export async function revokeAllCliGrantsOf(
  deps: CliAuthDeps,
  principalId: string,
  options: { by: Extract<RevokedBy, 'admin' | 'sign-out-everywhere'>; ctx?: RequestContext; actor?: string },
): Promise<number> {
  const reason = REASONS[options.by];
  const ids = await deps.grants.revokeGrantsOf(principalId, reason, new Date(deps.clock.now()));
  await Promise.all(ids.map((id) => deps.accessTokens.revokeGrant(id)));
  if (ids.length > 0) {
    await deps.audit.record(
      cliAuditEvent(options.ctx, {
        type: 'cli.revoke',
        outcome: 'success',
        reason,
        principalId,
        details: { grantIds: ids, by: options.by, ...(options.actor ? { actor: options.actor } : {}) },
      }),
    );
  }
  options.ctx?.log.info({ event: 'cli.revoke', subject: principalId, count: ids.length, by: options.by }, 'CLI sessions revoked');
  return ids.length;
}

async function revokeOne(deps: CliAuthDeps, ctx: RequestContext, grant: CliGrant, by: RevokedBy): Promise<void> {
  const reason = REASONS[by];
  const revoked = await deps.grants.revokeGrant(grant.id, reason, new Date(deps.clock.now()));
  await deps.accessTokens.revokeGrant(grant.id);
  if (!revoked) return;
  ctx.log.info({ event: 'cli.revoke', subject: grant.principal.id, grantId: grant.id, by }, 'CLI session revoked');
  await deps.audit
    .record(
      cliAuditEvent(ctx, {
        type: 'cli.revoke',
        outcome: 'success',
        reason,
        principal: grant.principal,
        details: { grantId: grant.id, clientId: grant.clientId, deviceName: grant.deviceName, by },
      }),
    )
    .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the revocation'));
}

import { randomUUID } from 'node:crypto';
import type { TokenResponse } from '../../contracts/cli-auth.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import type { Principal } from '../../domain/principal.js';
import type { CliGrantFlow } from '../../ports/cli-grant-store.js';
import type { RequestContext } from '../login/login-deps.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { cliAuditEvent } from './cli-audit.js';
import { newRefreshToken, sha256 } from './secrets.js';

/** A user's approval, as the consent page or the device page recorded it. */
export interface Approval {
  clientId: string;
  principal: Principal;
  /** sha256 id of the login session that approved. */
  loginSessionId: string;
  /** When that login session ends (ms since epoch): the grant ends then too. */
  sessionExpiresAt: number;
}

/**
 * Turns an approval into a CLI grant: the audit row first (no grant without a
 * record), then the grant with its first refresh token (PostgreSQL, hashed),
 * then an access token (Redis, hashed). The grant ends with the approving
 * login session, and never later than sessions.maxTtlMs from now.
 */
export async function issueGrant(
  deps: CliAuthDeps,
  ctx: RequestContext,
  approval: Approval,
  input: { flow: CliGrantFlow; deviceName: string; auditDetails?: Record<string, unknown> },
): Promise<{ tokens: TokenResponse; grantId: string }> {
  const now = deps.clock.now();
  const expiresAt = Math.min(approval.sessionExpiresAt, now + deps.settings.maxSessionTtlMs);
  if (expiresAt - now < 60_000) {
    throw oauthError('invalid_grant', 'The sign-in that approved this ends in less than a minute; sign in to rolegate again and retry');
  }
  const id = randomUUID();
  await deps.audit.record(
    cliAuditEvent(ctx, {
      type: 'cli.authorize',
      outcome: 'success',
      principal: approval.principal,
      groups: approval.principal.groups,
      details: {
        grantId: id,
        clientId: approval.clientId,
        flow: input.flow,
        deviceName: input.deviceName,
        loginSessionId: approval.loginSessionId,
        expiresAt: new Date(expiresAt).toISOString(),
        ...input.auditDetails,
      },
    }),
  );
  const refreshToken = newRefreshToken();
  const grant = await deps.grants.createGrant(
    {
      id,
      clientId: approval.clientId,
      principal: approval.principal,
      deviceName: input.deviceName,
      flow: input.flow,
      loginSessionId: approval.loginSessionId,
      ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
      now: new Date(now),
      expiresAt: new Date(expiresAt),
    },
    sha256(refreshToken),
  );
  const access = await deps.accessTokens.issue(grant);
  ctx.log.info(
    { event: 'cli.authorize', outcome: 'success', subject: approval.principal.id, grantId: id, flow: input.flow },
    'CLI authorised',
  );
  return { tokens: tokenResponse(access, refreshToken, expiresAt, now), grantId: id };
}

export function tokenResponse(
  access: { token: string; expiresAt: number },
  refreshToken: string,
  grantExpiresAt: number,
  now: number,
): TokenResponse {
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: Math.max(0, Math.floor((access.expiresAt - now) / 1000)),
    refresh_token: refreshToken,
    refresh_token_expires_in: Math.max(0, Math.floor((grantExpiresAt - now) / 1000)),
  };
}

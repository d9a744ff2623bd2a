import type { TokenResponse } from '../../contracts/cli-auth.js';
import { deviceNameFrom } from '../../domain/oauth/device-name.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import { verifiesChallenge } from '../../domain/oauth/pkce.js';
import type { RequestContext } from '../login/login-deps.js';
import { codeKey } from './authorize.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { cliAuditEvent } from './cli-audit.js';
import { codeRecord } from './cli-auth-records.js';
import { publicClient } from './client-check.js';
import { issueGrant } from './issue-grant.js';
import { isAuthorizationCode, sha256 } from './secrets.js';

const usedKey = (hash: string) => `cli-code-used:${hash}`;
const USED_MARKER_TTL_MS = 15 * 60_000;

/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6). The code is
 * consumed by the first attempt, right or wrong. A code presented again is
 * refused and the grant it produced is revoked (RFC 6749 §4.1.2: "the
 * authorization server … SHOULD revoke … all tokens previously issued based
 * on that authorization code").
 */
export async function exchangeAuthorizationCode(
  deps: CliAuthDeps,
  ctx: RequestContext,
  input: { clientId?: string; code?: string; redirectUri?: string; codeVerifier?: string; deviceName?: string },
): Promise<TokenResponse> {
  const client = await publicClient(deps, input.clientId);
  if (!input.code) throw oauthError('invalid_request', 'code is required');
  if (!input.redirectUri) throw oauthError('invalid_request', 'redirect_uri is required');
  if (!input.codeVerifier) throw oauthError('invalid_request', 'code_verifier is required (PKCE)');
  const hash = isAuthorizationCode(input.code) ? sha256(input.code) : undefined;
  const raw = hash === undefined ? null : await deps.kv.take(codeKey(hash));
  if (raw === null || hash === undefined) {
    if (hash !== undefined) await revokeWhatReplayedCodeProduced(deps, ctx, hash);
    throw oauthError('invalid_grant', 'The authorization code is invalid, expired or already used');
  }
  // From here on the code is spent: whatever happens next, it cannot be tried again.
  await deps.kv.set(usedKey(hash), '-', USED_MARKER_TTL_MS).catch(() => undefined);
  const read = codeRecord.decode(raw);
  if (!read.ok) {
    ctx.log.warn({ event: 'cli.code_unreadable', reason: read.detail }, 'an authorization code record cannot be read');
    throw oauthError('invalid_grant', 'The authorization code cannot be used by this server; run `rolegate login` again');
  }
  const record = read.value;
  if (record.clientId !== client.id) throw oauthError('invalid_grant', 'The authorization code was issued to another client');
  if (record.redirectUri !== input.redirectUri) {
    throw oauthError('invalid_grant', 'redirect_uri does not match the one of the authorization request');
  }
  if (!verifiesChallenge(input.codeVerifier, record.codeChallenge)) {
    throw oauthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE)');
  }
  const { tokens, grantId } = await issueGrant(deps, ctx, record, { flow: 'loopback', deviceName: deviceNameFrom(input.deviceName) });
  await deps.kv.set(usedKey(hash), grantId, USED_MARKER_TTL_MS).catch(() => undefined);
  return tokens;
}

async function revokeWhatReplayedCodeProduced(deps: CliAuthDeps, ctx: RequestContext, hash: string): Promise<void> {
  const grantId = await deps.kv.get(usedKey(hash)).catch(() => null);
  if (grantId === null) return;
  ctx.log.warn({ event: 'cli.code_replay' }, 'an authorization code was presented again');
  if (grantId === '-') return;
  const grant = await deps.grants.findGrant(grantId);
  const revoked = await deps.grants.revokeGrant(grantId, 'authorization code replayed', new Date(deps.clock.now()));
  await deps.accessTokens.revokeGrant(grantId);
  if (!revoked) return;
  await deps.audit
    .record(
      cliAuditEvent(ctx, {
        type: 'cli.revoke',
        outcome: 'success',
        reason: 'authorization code replayed',
        ...(grant ? { principal: grant.principal } : {}),
        details: { grantId, by: 'replay-detection' },
      }),
    )
    .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the revocation'));
}

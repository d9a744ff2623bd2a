import type { TokenResponse } from '../../contracts/cli-auth.js';
import { oauthError } from '../../domain/oauth/oauth-error.js';
import type { RequestContext } from '../login/login-deps.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { deviceDecisionRecord, deviceRecord } from './cli-auth-records.js';
import { publicClient } from './client-check.js';
import { decisionKey, deviceKey, deviceParties, EXPIRED_RETENTION_MS } from './device-flow.js';
import { issueGrant } from './issue-grant.js';
import { isDeviceCode, sha256 } from './secrets.js';

const pollKey = (hash: string) => `cli-device-poll:${hash}`;
const intervalKey = (hash: string) => `cli-device-interval:${hash}`;

/**
 * grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4,
 * §3.5): authorization_pending until the user answers, slow_down (and 5 s
 * more from then on) for a poll that comes sooner than the interval,
 * access_denied, expired_token; on approval, tokens — once.
 */
export async function pollDeviceToken(
  deps: CliAuthDeps,
  ctx: RequestContext,
  input: { clientId?: string; deviceCode?: string },
): Promise<TokenResponse> {
  const client = await publicClient(deps, input.clientId);
  if (!input.deviceCode) throw oauthError('invalid_request', 'device_code is required');
  const hash = isDeviceCode(input.deviceCode) ? sha256(input.deviceCode) : undefined;
  const raw = hash === undefined ? null : await deps.kv.get(deviceKey(hash));
  if (raw === null || hash === undefined) throw oauthError('invalid_grant', 'Unknown or already used device_code');
  const read = deviceRecord.decode(raw);
  if (!read.ok) {
    ctx.log.warn({ event: 'cli.device_unreadable', reason: read.detail }, 'a device authorization record cannot be read');
    throw oauthError('invalid_grant', 'The device_code cannot be used by this server; run `rolegate login --no-browser` again');
  }
  const record = read.value;
  if (record.clientId !== client.id) throw oauthError('invalid_grant', 'The device_code was issued to another client');
  const now = deps.clock.now();
  if (record.expiresAt <= now) throw oauthError('expired_token', 'The device code has expired; start again with `rolegate login`');

  const decisionRaw = await deps.kv.get(decisionKey(hash));
  // A decision this release cannot read yet (a newer one wrote it) waits for a poll that reaches one that can.
  const decisionRead = decisionRaw === null ? undefined : deviceDecisionRecord.decode(decisionRaw);
  if (decisionRead && !decisionRead.ok && decisionRead.problem !== 'future') {
    ctx.log.warn({ event: 'cli.device_decision_unreadable', reason: decisionRead.detail }, 'a device decision record cannot be read');
    throw oauthError('access_denied', 'The answer to this device code cannot be read; run `rolegate login --no-browser` again');
  }
  if (decisionRead?.ok) {
    // Consume once: of two concurrent polls after approval, only one gets tokens.
    const consumed = await deps.kv.take(deviceKey(hash));
    if (consumed === null) throw oauthError('invalid_grant', 'Unknown or already used device_code');
    const decision = decisionRead.value;
    if (!decision.approved) throw oauthError('access_denied', 'The request was denied on the rolegate portal');
    // The row names both ends: who asked for the code, and the browser that approved it (RFC 8628 §5.4).
    const { tokens } = await issueGrant(deps, ctx, decision, {
      flow: 'device',
      deviceName: record.deviceName,
      auditDetails: deviceParties(record.requester, decision.approver),
    });
    return tokens;
  }

  const intervalS = Number((await deps.kv.get(intervalKey(hash))) ?? record.interval);
  const onTime = await deps.kv.setIfAbsent(pollKey(hash), '1', intervalS * 1000);
  if (!onTime) {
    // RFC 8628 §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests".
    const slower = intervalS + 5;
    await Promise.all([
      deps.kv.set(intervalKey(hash), String(slower), record.expiresAt - now + EXPIRED_RETENTION_MS),
      // The next poll is on time only `slower` seconds from now.
      deps.kv.set(pollKey(hash), '1', slower * 1000),
    ]);
    throw oauthError('slow_down', `Polling too fast: wait ${String(slower)} seconds between requests`);
  }
  throw oauthError('authorization_pending', 'Waiting for the user to confirm the code on the rolegate portal');
}

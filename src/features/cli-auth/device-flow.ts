import { randomBytes } from 'node:crypto';
import type { DeviceAuthorizationResponse } from '../../contracts/cli-auth.js';
import { RolegateError } from '../../domain/errors.js';
import { sameIpAddress } from '../../domain/ip-address.js';
import { deviceNameFrom } from '../../domain/oauth/device-name.js';
import { displayUserCode, normalizeUserCode, userCodeFrom } from '../../domain/oauth/user-code.js';
import { publicUrlFor, type RequestContext } from '../login/login-deps.js';
import type { LoginSession } from '../sessions/session-store.js';
import type { CliAuthDeps } from './cli-auth-deps.js';
import { cliAuditEvent } from './cli-audit.js';
import { deviceDecisionRecord, deviceRecord } from './cli-auth-records.js';
import { publicClient } from './client-check.js';
import { assertGuessBudget, recordWrongGuess } from './guess-limiter.js';
import type { Approval } from './issue-grant.js';
import { newDeviceCode, sha256 } from './secrets.js';

/** Where a request came from, as rolegate saw it: the client IP (per server.trustProxy) and the User-Agent header. */
export interface RequestOrigin {
  sourceIp?: string;
  userAgent?: string;
}

/** A pending device authorization (RFC 8628 §3.2), keyed by the sha256 of its device_code. */
export interface DeviceRecord {
  clientId: string;
  clientName: string;
  deviceName: string;
  userCode: string;
  createdAt: number;
  expiresAt: number;
  /** Seconds between polls, as told to the client. */
  interval: number;
  /** Who asked for the code (POST /oauth/device_authorization). Absent in records written before it was kept. */
  requester?: RequestOrigin;
}

/** What the verification page shows about a code, so the user can tell a code someone sent them (RFC 8628 §5.4). */
export interface DeviceReview {
  requester: RequestOrigin;
  requestedAt: number;
  /** The browser answering: the user's own address. */
  approver: RequestOrigin;
  /** False when the code was requested from another address than the approving browser's; undefined when unknown. */
  sameAddress: boolean | undefined;
}

/**
 * The user's answer, with the browser that gave it (kept for the audit row written when the CLI
 * collects its tokens; absent in decisions written before it was kept).
 */
export type DeviceDecision = ({ approved: true; approver?: RequestOrigin } & Approval) | { approved: false };

/** After expiry, a record is kept this long so polls get expired_token rather than invalid_grant. */
export const EXPIRED_RETENTION_MS = 5 * 60_000;

export const deviceKey = (hash: string) => `cli-device:${hash}`;
export const decisionKey = (hash: string) => `cli-device-decision:${hash}`;
const userCodeKey = (code: string) => `cli-user-code:${code}`;

/** POST /oauth/device_authorization: a device code for the CLI, a user code for the human. */
export async function startDeviceAuthorization(
  deps: CliAuthDeps,
  ctx: RequestContext,
  input: { clientId?: string; deviceName?: string },
): Promise<DeviceAuthorizationResponse> {
  const client = await publicClient(deps, input.clientId);
  const ttlMs = deps.settings.deviceCodeTtlMs;
  const deviceCode = newDeviceCode();
  const hash = sha256(deviceCode);
  const now = deps.clock.now();
  for (let attempt = 0; attempt < 5; attempt++) {
    const userCode = userCodeFrom(randomBytes(32));
    if (userCode === undefined) continue;
    const claimed = await deps.kv.setIfAbsent(userCodeKey(userCode), hash, ttlMs);
    if (!claimed) continue; // a live code already has these letters: draw again
    const record: DeviceRecord = {
      clientId: client.id,
      clientName: client.name,
      deviceName: deviceNameFrom(input.deviceName),
      userCode,
      createdAt: now,
      expiresAt: now + ttlMs,
      interval: deps.settings.devicePollIntervalSeconds,
      requester: originOf(ctx),
    };
    await deps.kv.set(deviceKey(hash), deviceRecord.encode(record), ttlMs + EXPIRED_RETENTION_MS);
    const verification = publicUrlFor(deps.publicUrl, '/device');
    return {
      device_code: deviceCode,
      user_code: displayUserCode(userCode),
      verification_uri: verification,
      verification_uri_complete: `${verification}?user_code=${displayUserCode(userCode)}`,
      expires_in: Math.floor(ttlMs / 1000),
      interval: deps.settings.devicePollIntervalSeconds,
    };
  }
  throw new RolegateError('dependency_unavailable', { detail: 'Could not allocate a user code; try again' });
}

/**
 * What the verification page shows for a typed code, for a signed-in user.
 * Wrong codes count against the user's and the address's guessing budget.
 */
export async function lookUpUserCode(
  deps: CliAuthDeps,
  ctx: RequestContext,
  session: LoginSession,
  typed: string,
): Promise<{ record: DeviceRecord; userCode: string; review: DeviceReview }> {
  const who = { principalId: session.principal.id, ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}) };
  await assertGuessBudget(deps.kv, who);
  const code = normalizeUserCode(typed);
  const hash = code === undefined ? null : await deps.kv.get(userCodeKey(code));
  const raw = hash === null ? null : await deps.kv.get(deviceKey(hash));
  const read = raw === null ? undefined : deviceRecord.decode(raw);
  const record = read?.ok ? read.value : undefined;
  if (!record || record.expiresAt <= deps.clock.now() || code === undefined) {
    await recordWrongGuess(deps.kv, who);
    throw new RolegateError('invalid_request', {
      detail: 'That code is not valid or has expired. Check the code your terminal shows, or run `rolegate login --no-browser` again.',
    });
  }
  const requester = record.requester ?? {};
  const approver = originOf(ctx);
  return {
    record,
    userCode: displayUserCode(code),
    review: { requester, requestedAt: record.createdAt, approver, sameAddress: sameIpAddress(requester.sourceIp, approver.sourceIp) },
  };
}

/** Both ends of a device authorization, for its audit rows. */
export function deviceParties(requester: RequestOrigin | undefined, approver: RequestOrigin | undefined): Record<string, unknown> {
  return { requester: requester ?? {}, approver: approver ?? {} };
}

function originOf(ctx: RequestContext): RequestOrigin {
  return { ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}), ...(ctx.userAgent ? { userAgent: ctx.userAgent } : {}) };
}

/**
 * The user's answer on the verification page (CSRF-checked by the route).
 * The user code is consumed by the first answer; the decision waits for the
 * CLI's next poll.
 */
export async function decideDevice(
  deps: CliAuthDeps,
  ctx: RequestContext,
  session: LoginSession,
  input: { userCode: string; approve: boolean },
): Promise<{ record: DeviceRecord }> {
  const { record, review } = await lookUpUserCode(deps, ctx, session, input.userCode);
  const code = normalizeUserCode(input.userCode) ?? '';
  const hash = await deps.kv.take(userCodeKey(code));
  if (hash === null) throw new RolegateError('invalid_request', { detail: 'That code was already answered.' });
  const decision: DeviceDecision = input.approve
    ? {
        approved: true,
        approver: review.approver,
        clientId: record.clientId,
        principal: session.principal,
        loginSessionId: session.id,
        sessionExpiresAt: session.expiresAt,
      }
    : { approved: false };
  const ttl = Math.max(1000, record.expiresAt - deps.clock.now() + EXPIRED_RETENTION_MS);
  const stored = await deps.kv.setIfAbsent(decisionKey(hash), deviceDecisionRecord.encode(decision), ttl);
  if (!stored) throw new RolegateError('invalid_request', { detail: 'That code was already answered.' });
  if (!input.approve) {
    await deps.audit
      .record(
        cliAuditEvent(ctx, {
          type: 'cli.authorize',
          outcome: 'denied',
          reason: 'the user denied the device code',
          principal: session.principal,
          details: {
            clientId: record.clientId,
            flow: 'device',
            deviceName: record.deviceName,
            ...deviceParties(record.requester, review.approver),
          },
        }),
      )
      .catch((error: unknown) => ctx.log.error({ err: error }, 'could not record the denied CLI authorisation'));
  }
  return { record };
}

import { randomUUID } from 'node:crypto';
import type { AwsAccount, AwsRole } from '../../domain/access-model.js';
import type { ActiveGrant } from '../../domain/access-requests.js';
import { AWS_MIN_SESSION_SECONDS, clampDuration, type DurationDecision } from '../../domain/durations.js';
import type { RoleEntitlement } from '../../domain/entitlements.js';
import { isErrorCode, RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import type { SessionUse } from '../../domain/session-name.js';
import { checkRoleRequestIn, roleRequestError } from '../../domain/role-request.js';
import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import type { NotificationSink } from '../../ports/notification-outbox.js';
import { enqueueAfterAudit } from '../notifications/enqueue.js';
import { isoTimeOf } from '../../support/iso-time.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Limits } from '../rate-limits/limits.js';
import type { RolesAnswers } from './roles-answers.js';
import type { AccessModelCache } from './access-model-cache.js';
import { cachedCredentialsRecord, type CachedCredentials, type CredentialCache } from './credential-cache.js';
import { exchange, type ExchangeDeps } from './exchange.js';
import type { FlightError, SingleFlight } from './single-flight.js';

export type CredentialSource = 'cache' | 'sts' | 'shared';

/** Counts what happens, for metrics; the HTTP layer wires it to Prometheus. */
export interface CredentialsObserver {
  issued(mode: string, outcome: 'success' | 'denied' | 'error', source: CredentialSource | 'none'): void;
  cacheLookup(result: 'hit' | 'miss'): void;
}

export interface CredentialsDeps {
  accessModel: AccessModelCache;
  cache: CredentialCache;
  flights: SingleFlight;
  exchange: ExchangeDeps;
  audit: AuditLog;
  clock: Clock;
  /** rolegate's own AWS credentials are role credentials: assume-role is then role chaining (1 h cap). */
  callerIsRole: boolean;
  observer: CredentialsObserver;
  /** New STS exchanges per user and per (user, role); console URLs per user. */
  limits: Limits;
  /** Active just-in-time grants, in memory (features/access-requests/active-grants.ts); without it no grant entitles. */
  grants?: GrantLookup;
  /** Where break-glass uses are notified (the outbox); without it they are only audited and logged. */
  notifications?: NotificationSink;
  /** GET /api/v1/roles answers reused while their facts hold (without it, the route keeps its own). */
  rolesAnswers?: RolesAnswers;
}

/** Finds a user's active grant for a role without a database round trip. */
export interface GrantLookup {
  grantFor(principalId: string, roleId: string): ActiveGrant | undefined;
  /**
   * Text that changes whenever the user's held grants change (any grant added,
   * replaced or dropped), so an answer computed from them can be reused while
   * it is the same. Without it, answers that looked at grants are not reused.
   */
  fingerprintOf?(principalId: string): string;
}

/** Who asks, from where: the request facts every audit event carries. */
export interface Caller {
  principal: Principal;
  sourceIp?: string;
  userAgent?: string;
  requestId: string;
  log: Logger;
}

export interface CredentialsAsk {
  /** 12-digit id or alias. */
  account: string;
  role: string;
  durationSeconds?: number;
  justification?: string;
}

export interface IssuedCredentials {
  account: AwsAccount;
  role: AwsRole;
  credentials: CachedCredentials;
  durationSeconds: number;
  notes: string[];
  source: CredentialSource;
}

const STS_USAGE_WARNING_PERCENT = 80;

/**
 * How much earlier than its grant's end a session under a grant ends: AWS
 * counts DurationSeconds from when STS handles the call (its own clock), so
 * the request's trip, retries and clock skew must fit in this margin.
 */
export const GRANT_END_MARGIN_MS = 60_000;

/**
 * Temporary credentials for one role: decide the entitlement (every request,
 * from the current access model — so a removed mapping or group stops the very
 * next issuance), clamp the duration, serve the sealed cache while it has more
 * than the refresh margin left, else make one STS exchange shared by every
 * concurrent request for the same (user, role, duration) across instances.
 * Every grant and denial is audited before the answer; no audit row, no
 * credentials.
 */
export async function issueCredentials(deps: CredentialsDeps, caller: Caller, ask: CredentialsAsk): Promise<IssuedCredentials> {
  const { principal } = caller;
  const model = await deps.accessModel.index();
  const now = deps.clock.now();
  const grants = deps.grants;
  const result = checkRoleRequestIn(
    model,
    {
      principal,
      sourceIp: caller.sourceIp,
      now,
      ...(grants ? { grantFor: (roleId: string) => grants.grantFor(principal.id, roleId) } : {}),
    },
    ask,
  );
  if (!result.ok) {
    const error = roleRequestError(result);
    const target = 'entitlement' in result ? result.entitlement : 'account' in result ? result : undefined;
    await deny(deps, caller, ask, result.reason, error.detail, target);
    throw error;
  }
  const { entitlement } = result;
  const { account, role } = entitlement;

  const jit = entitlement.grant;
  // STS dates the session from its own clock when the call reaches it: keep a margin for the trip (and skew).
  const grantSeconds = jit === undefined ? undefined : Math.floor((jit.endsAt - now - GRANT_END_MARGIN_MS) / 1000);
  if (grantSeconds !== undefined && grantSeconds < AWS_MIN_SESSION_SECONDS) {
    // AWS issues no session under 900 s, and credentials must not outlive the grant: fail closed.
    const left = Math.max(0, Math.floor(((jit?.endsAt ?? now) - now) / 1000));
    const detail = `Your access grant for ${role.name} in ${account.alias} ends in ${String(left)} s, too soon for the shortest AWS session (${String(AWS_MIN_SESSION_SECONDS)} s) to end before it: request a new grant`;
    await deny(deps, caller, ask, 'grant_ending', detail, { account, role });
    throw new RolegateError('role_not_entitled', {
      detail,
      extras: { reason: 'grant_ending', grantEndsAt: new Date(jit?.endsAt ?? now).toISOString() },
    });
  }
  let duration: DurationDecision;
  let nominal: DurationDecision;
  try {
    const limits = {
      roleMaxSeconds: role.maxSessionSeconds,
      ...(entitlement.maxSessionSeconds < role.maxSessionSeconds ? { mappingMaxSeconds: entitlement.maxSessionSeconds } : {}),
      chained: role.exchangeMode === 'assume-role' && deps.callerIsRole,
    };
    nominal = clampDuration(ask.durationSeconds, limits);
    duration = grantSeconds === undefined ? nominal : clampDuration(ask.durationSeconds, { ...limits, grantSeconds });
  } catch (error) {
    if (error instanceof RolegateError) await deny(deps, caller, ask, 'invalid_duration', error.detail, { account, role });
    throw error;
  }

  // Each break-glass use is its own STS session (its id in the session name and the audit row), so CloudTrail
  // tells two uses with two justifications apart: a fresh id, and no cache entry another use could be served.
  const use: SessionUse | undefined = entitlement.breakGlass
    ? { kind: 'break-glass', id: randomUUID() }
    : jit === undefined
      ? undefined
      : { kind: 'grant', id: jit.id };
  // Under a grant, the entry is the grant's own and keyed by the unclamped length (the clamped one shrinks every second).
  const slot = {
    principalId: principal.id,
    roleId: role.id,
    durationSeconds: use?.kind === 'grant' ? nominal.seconds : duration.seconds,
    ...(use?.kind === 'grant' ? { grantId: use.id } : {}),
    ...(use?.kind === 'break-glass' ? { useId: use.id } : {}),
    ...(entitlement.sessionPolicy ? { sessionPolicy: entitlement.sessionPolicy } : {}),
  };
  const key = deps.cache.keyOf(slot);
  const oneUse = use?.kind === 'break-glass';
  let source: CredentialSource = 'cache';
  /** Writes that need not hold up the steps after them (audit, cache), all settled before the answer. */
  const pending: Promise<unknown>[] = [];
  /** This request's grant row, when its own exchange started it beside the exchange's outcome row. */
  let granted: Promise<void> | undefined;
  // A break-glass use's key is new: nothing can be cached under it, so no lookup (and nothing is stored, below).
  let credentials = oneUse ? undefined : await deps.cache.get(key);
  if (!oneUse) deps.observer.cacheLookup(credentials ? 'hit' : 'miss');
  if (!credentials) {
    source = 'shared';
    const value = await deps.flights.run(key, {
      lookup: async () => {
        if (oneUse) return undefined;
        const found = await deps.cache.get(key);
        return found ? cachedCredentialsRecord.encode(found) : undefined;
      },
      produce: async () => {
        // Only here does a request cost an STS call: cached answers and requests sharing
        // another's flight are never counted (and pay no extra Redis round trip).
        await limitExchanges(deps, caller, role);
        source = 'sts';
        const exchanged = await produceCredentials(deps, caller, entitlement, duration.seconds, use, pending, (issued) =>
          grantEvent(caller, entitlement, issued, duration.seconds, 'sts', result.justification, use),
        );
        granted = exchanged.granted;
        // Settled by grant() below; handled now, as the flight's Redis writes come first.
        granted.catch(() => undefined);
        const produced = exchanged.credentials;
        // Not awaited here: the flight's announce is sent right behind it, in the same round trip, on the
        // same connection, so Redis stores the entry before it tells followers to read it.
        if (!oneUse)
          pending.push(
            deps.cache.set(key, slot, produced).catch((error: unknown) =>
              // Serving is still right; the next request just exchanges again.
              caller.log.warn({ reason: (error as Error).message }, 'could not cache issued credentials'),
            ),
          );
        return cachedCredentialsRecord.encode(produced);
      },
      describeError: (error) =>
        error instanceof RolegateError
          ? {
              code: error.code,
              message: error.detail,
              ...(error.headers['Retry-After'] ? { retryAfter: error.headers['Retry-After'] } : {}),
            }
          : { code: 'server_error', message: 'the exchange failed' },
      reviveError: reviveFlightError,
    });
    const shared = cachedCredentialsRecord.decode(value);
    if (!shared.ok) throw new RolegateError('server_error', { detail: shared.detail });
    credentials = shared.value;
  }

  const notes = notesFor(duration, role, deps.callerIsRole);
  if (jit !== undefined) {
    const ends = new Date(jit.endsAt).toISOString();
    notes.push(
      duration.limitedBy === 'grant' && duration.clampedFrom === undefined
        ? `Issued ${String(duration.seconds)} s: ${duration.reason.replace(/^the default, capped by /, 'the default, capped at ')}; access grant ${jit.id} ends at ${ends}.`
        : `Issued under access grant ${jit.id}, which ends at ${ends}.`,
    );
  }
  const issued = grant(deps, caller, entitlement, credentials, duration.seconds, source, result.justification, use, granted);
  // Cached answers have nothing else pending: no Promise.all (and no array) for them.
  await (pending.length === 0 ? issued : Promise.all([issued, ...pending]));
  return { account, role, credentials, durationSeconds: duration.seconds, notes, source };
}

/** What ties an STS exchange to the use it was opened for, in its audit rows. */
function useDetails(use: SessionUse): Record<string, string> {
  return use.kind === 'grant' ? { accessRequestId: use.id } : { breakGlassUseId: use.id };
}

/**
 * Counts a new exchange against both STS limits (429 over either; let through
 * when Redis cannot count). Both counts go out together (one round trip); a
 * request refused for its role gets its count over all roles back, so it does
 * not spend the user's budget.
 */
async function limitExchanges(deps: CredentialsDeps, caller: Caller, role: AwsRole): Promise<void> {
  const id = caller.principal.id;
  const [perRole, perUser] = await Promise.allSettled([
    deps.limits.enforce('stsExchangesPerRole', JSON.stringify([id, role.id]), caller.log),
    deps.limits.enforce('stsExchangesPerUser', id, caller.log),
  ]);
  if (perRole.status === 'rejected') {
    if (perUser.status === 'fulfilled' && perUser.value) await deps.limits.refund(perUser.value, caller.log);
    throw perRole.reason;
  }
  if (perUser.status === 'rejected') throw perUser.reason;
}

/**
 * The error another request's exchange ended with, as this request's answer.
 * The code came back through Redis: one outside the closed set (another
 * version, a garbled message) becomes a 503 rather than an unknown code or a 500.
 */
function reviveFlightError(error: FlightError): RolegateError {
  if (!isErrorCode(error.code)) {
    return new RolegateError('dependency_unavailable', {
      detail: 'The exchange for these credentials failed; try again shortly',
      headers: { 'Retry-After': '5' },
    });
  }
  // Retry-After came back through Redis too: only whole seconds are passed on.
  const retryAfter =
    error.retryAfter !== undefined && /^\d{1,5}$/.test(error.retryAfter)
      ? error.retryAfter
      : error.code === 'sts_throttled' || error.code === 'dependency_unavailable' || error.code === 'rate_limited'
        ? '5'
        : undefined;
  return new RolegateError(error.code, { detail: error.message, ...(retryAfter ? { headers: { 'Retry-After': retryAfter } } : {}) });
}

/**
 * One STS exchange, with its intent audited before and its outcome after
 * (vault-style write-ahead). The outcome row of a success and this request's
 * grant row (`grantRow`) go to the audit log together, one commit started as
 * STS answers, while the answer is cached: the outcome is settled before the
 * answer (`pending`), and its failure was never a reason to refuse; the
 * grant row's (`granted`) is.
 */
async function produceCredentials(
  deps: CredentialsDeps,
  caller: Caller,
  entitlement: RoleEntitlement,
  durationSeconds: number,
  use: SessionUse | undefined,
  pending: Promise<unknown>[],
  grantRow: (credentials: CachedCredentials) => AuditEvent,
): Promise<{ credentials: CachedCredentials; granted: Promise<void> }> {
  const { account, role } = entitlement;
  const base = auditEvent(caller, 'sts.exchange', 'success', account.id, role.arn, role.exchangeMode, durationSeconds);
  // The assertion is minted while the write-ahead row commits; exchange() calls STS only once it has.
  const writeAhead = recordOrRefuse(deps, { ...base, type: 'sts.exchange.start', ...(use ? { details: useDetails(use) } : {}) });
  const exchanging = exchange(
    deps.exchange,
    {
      principal: caller.principal,
      account,
      role,
      durationSeconds,
      ...(use ? { use } : {}),
      ...(entitlement.sessionPolicy ? { sessionPolicy: entitlement.sessionPolicy } : {}),
    },
    writeAhead,
  );
  // Awaited below; handled now, as a minting failure may come while the row still commits.
  exchanging.catch(() => undefined);
  // Without the row, exchanging is refused with the same reason, before any STS call.
  await writeAhead;
  try {
    const result = await exchanging;
    const { assumed } = result;
    if (result.droppedTags.length > 0)
      caller.log.warn({ dropped: result.droppedTags, roleArn: role.arn }, 'session tags left out of the exchange');
    if ((assumed.packedPolicySize ?? 0) > STS_USAGE_WARNING_PERCENT) {
      caller.log.warn(
        { roleArn: role.arn, packedPolicySize: assumed.packedPolicySize },
        'the STS session is close to its size limit (tags)',
      );
    }
    const produced: CachedCredentials = {
      accessKeyId: assumed.credentials.accessKeyId,
      secretAccessKey: assumed.credentials.secretAccessKey.reveal(),
      sessionToken: assumed.credentials.sessionToken.reveal(),
      expiresAt: assumed.credentials.expiration.getTime(),
      assumedRoleArn: assumed.assumedRoleArn,
      sessionName: result.sessionName,
      sourceIdentity: assumed.sourceIdentity ?? result.sourceIdentity,
      issuedAt: deps.clock.now(),
    };
    const outcome: AuditEvent = {
      ...base,
      type: 'sts.exchange',
      outcome: 'success',
      details: {
        ...result.evidence,
        assumedRoleArn: assumed.assumedRoleArn,
        sessionName: result.sessionName,
        sourceIdentity: result.sourceIdentity,
        ...(use ? useDetails(use) : {}),
      },
    };
    // Both rows in one commit, started now, beside the cache write.
    const [completed, granted] = deps.audit.recordAll([outcome, grantRow(produced)]);
    pending.push(
      (completed ?? Promise.resolve()).catch((error: unknown) =>
        caller.log.error({ err: error }, 'could not record a completed STS exchange'),
      ),
    );
    return { credentials: produced, granted: (granted ?? Promise.resolve()).catch(refuseWithoutAudit) };
  } catch (error) {
    const reason = error instanceof RolegateError ? `${error.code}: ${error.detail}` : 'unexpected error';
    await deps.audit
      .record({ ...base, type: 'sts.exchange', outcome: 'error', reason })
      .catch((auditError: unknown) => caller.log.error({ err: auditError }, 'could not record a failed STS exchange'));
    deps.observer.issued(role.exchangeMode, 'error', 'sts');
    throw error;
  }
}

/** The grant row: what was handed to whom, under which mapping, grant or break-glass use. */
function grantEvent(
  caller: Caller,
  entitlement: RoleEntitlement,
  credentials: CachedCredentials,
  durationSeconds: number,
  source: CredentialSource,
  justification: string | undefined,
  use: SessionUse | undefined,
): AuditEvent {
  const { account, role } = entitlement;
  const event = auditEvent(caller, 'credentials.issue', 'success', account.id, role.arn, role.exchangeMode, durationSeconds);
  const details: Record<string, unknown> = {
    source,
    sessionName: credentials.sessionName,
    // What CloudTrail shows of the session, to match the two; the full key id stays out of the trail.
    accessKeyIdPrefix: credentials.accessKeyId.slice(0, 12),
    expiresAt: isoTimeOf(credentials.expiresAt),
    viaGroups: entitlement.groups,
  };
  if (credentials.sourceIdentity) details.sourceIdentity = credentials.sourceIdentity;
  if (entitlement.breakGlass) {
    details.breakGlass = true;
    details.justification = justification;
    if (use?.kind === 'break-glass') details.breakGlassUseId = use.id;
  }
  if (entitlement.grant) {
    details.accessRequestId = entitlement.grant.id;
    details.grantEndsAt = new Date(entitlement.grant.endsAt).toISOString();
  }
  event.details = details;
  return event;
}

/**
 * Answers only once the grant row is committed (`recorded`, when the exchange
 * already started it beside its outcome row; otherwise recorded here).
 */
async function grant(
  deps: CredentialsDeps,
  caller: Caller,
  entitlement: RoleEntitlement,
  credentials: CachedCredentials,
  durationSeconds: number,
  source: CredentialSource,
  justification: string | undefined,
  use: SessionUse | undefined,
  recorded: Promise<void> | undefined,
): Promise<void> {
  const { account, role } = entitlement;
  await (recorded ?? recordOrRefuse(deps, grantEvent(caller, entitlement, credentials, durationSeconds, source, justification, use)));
  if (entitlement.breakGlass) {
    caller.log.warn(
      {
        event: 'break_glass',
        subject: caller.principal.id,
        roleArn: role.arn,
        accountId: account.id,
        justification,
        breakGlassUseId: use?.id,
        sessionName: credentials.sessionName,
      },
      'break-glass role used',
    );
    await enqueueAfterAudit(
      deps.notifications,
      {
        kind: 'break_glass.used',
        occurredAt: new Date(deps.clock.now()).toISOString(),
        actor: caller.principal.id,
        details: {
          accountId: account.id,
          roleArn: role.arn,
          justification,
          source,
          sessionName: credentials.sessionName,
          expiresAt: new Date(credentials.expiresAt).toISOString(),
          requestId: caller.requestId,
        },
      },
      caller.log,
    );
  }
  deps.observer.issued(role.exchangeMode, 'success', source);
}

async function deny(
  deps: CredentialsDeps,
  caller: Caller,
  ask: CredentialsAsk,
  reason: string,
  detail: string,
  target: { account: AwsAccount; role: AwsRole } | undefined,
): Promise<void> {
  const event = auditEvent(
    caller,
    'credentials.issue',
    'denied',
    target?.account.id ?? ask.account,
    target?.role.arn ?? ask.role,
    target?.role.exchangeMode,
    ask.durationSeconds,
  );
  event.reason = `${reason}: ${detail}`;
  await recordOrRefuse(deps, event);
  deps.observer.issued(target?.role.exchangeMode ?? 'unknown', 'denied', 'none');
}

/**
 * The audit event every credentials decision records: who, from where, which
 * role. One object literal of one shape: this runs on every request, and
 * spreading conditional parts together cost ~5 µs a request.
 */
function auditEvent(
  caller: Caller,
  type: string,
  outcome: AuditEvent['outcome'],
  accountId: string,
  roleArn: string,
  mode: string | undefined,
  durationSeconds: number | undefined,
): AuditEvent {
  const { principal } = caller;
  return {
    type,
    outcome,
    reason: undefined,
    subject: principal.id,
    idp: principal.idp,
    groups: principal.groups,
    accountId,
    roleArn,
    mode,
    durationSeconds,
    sourceIp: caller.sourceIp || undefined,
    userAgent: caller.userAgent ? caller.userAgent.slice(0, 512) : undefined,
    requestId: caller.requestId,
    details: undefined,
  };
}

/** Writes an audit event or refuses the whole request: nothing is issued without its record. */
function recordOrRefuse(deps: CredentialsDeps, event: AuditEvent): Promise<void> {
  return deps.audit.record(event).catch(refuseWithoutAudit);
}

function refuseWithoutAudit(error: unknown): never {
  throw new RolegateError('dependency_unavailable', {
    detail: 'The audit trail (PostgreSQL) is unavailable, so no credentials are issued; try again shortly',
    headers: { 'Retry-After': '5' },
    cause: error,
  });
}

function notesFor(duration: DurationDecision, role: AwsRole, callerIsRole: boolean): string[] {
  const notes: string[] = [];
  if (duration.clampedFrom !== undefined)
    notes.push(`Requested ${String(duration.clampedFrom)} s; issued ${String(duration.seconds)} s: ${duration.reason}.`);
  if (role.exchangeMode === 'assume-role' && callerIsRole) {
    notes.push(
      'This role is reached by role chaining (AssumeRole with rolegate’s own role credentials): AWS caps such sessions at 1 hour.',
    );
  }
  return notes;
}

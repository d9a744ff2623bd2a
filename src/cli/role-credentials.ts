import type { CredentialsRequest, CredentialsResponse } from '../contracts/credentials.js';
import { callApi } from './api-client.js';
import type { CliContext } from './cli-context.js';
import {
  cacheFileFor,
  cacheKeyOf,
  isWarm,
  readCachedCredentials,
  remainingMs,
  writeCachedCredentials,
  type CacheRequest,
  type CachedCredentials,
} from './credential-cache.js';
import { CliError, ExitCode } from './errors.js';
import { withFileLock } from './file-lock.js';
import { ensurePrivateDir } from './secure-files.js';

/** Below this, cached credentials are not handed out even as a fallback: the SDK would reject them at once. */
const MIN_USABLE_MS = 60_000;
/** Waiting for another process that fetches the same role: it is bounded by its own API timeout (10 s) plus a token refresh (15 s). */
const COLD_LOCK = { timeoutMs: 30_000, staleMs: 60_000, pollMs: 20 };

export interface RoleRequest {
  /** 12-digit id or alias, as the user typed it. */
  account: string;
  role: string;
  durationSeconds?: number;
  justification?: string;
}

export interface RoleCredentialsOptions {
  refreshMarginMs: number;
  staleTimeoutMs: number;
  /** Where a stale-cache warning goes (stderr). */
  warn(message: string): void;
}

export interface RoleCredentials {
  entry: CachedCredentials;
  /** `cache` without network, `broker` freshly fetched, `stale` the cache after a failed refresh. */
  source: 'cache' | 'broker' | 'stale';
}

/**
 * Credentials for one role, from the local cache while they have more than
 * the refresh margin left, else from the broker — under a per-role lock file,
 * so ten processes started at once make one request (the others wait, then
 * read what it cached). When the cache still holds valid credentials, the
 * refresh gets a short timeout and a failure falls back to the cache with a
 * warning; a refusal (signed out, not entitled) does not.
 */
export async function getRoleCredentials(ctx: CliContext, request: RoleRequest, options: RoleCredentialsOptions): Promise<RoleCredentials> {
  const key = cacheRequestOf(ctx, request);
  // A justification is one break-glass use: the broker opens a session for it alone, so nothing is read from or written to the cache.
  if (request.justification !== undefined) return { entry: await fetchFromBroker(ctx, key, request), source: 'broker' };
  const file = cacheFileFor(ctx.paths.cacheDir, key);
  const startedAt = ctx.now();
  const cached = readCachedCredentials(file, key);
  if (cached && isWarm(cached, startedAt, options.refreshMarginMs)) {
    ctx.debug(`cached credentials with ${minutes(remainingMs(cached.credentials, startedAt))} left`);
    return { entry: cached, source: 'cache' };
  }
  const fetchLocked = (timeouts: { lockMs: number; apiMs?: number }) => {
    ensurePrivateDir(ctx.paths.cacheDir);
    return withFileLock(`${file.slice(0, -'.json'.length)}.lock`, { ...COLD_LOCK, timeoutMs: timeouts.lockMs }, async () => {
      // Another process may have fetched while we waited for the lock.
      const current = readCachedCredentials(file, key);
      if (current && isFreshEnough(current, startedAt, ctx.now(), options.refreshMarginMs)) {
        ctx.debug('using the credentials another rolegate process just fetched');
        return { entry: current, source: 'cache' as const };
      }
      const entry = await fetchFromBroker(ctx, key, request, timeouts.apiMs);
      writeCachedCredentials(file, entry);
      return { entry, source: 'broker' as const };
    });
  };

  if (!cached || remainingMs(cached.credentials, startedAt) <= MIN_USABLE_MS) return fetchLocked({ lockMs: COLD_LOCK.timeoutMs });
  try {
    return await fetchLocked({ lockMs: options.staleTimeoutMs, apiMs: options.staleTimeoutMs });
  } catch (error) {
    // A refusal is an answer, never a reason to serve what was cached before it (a revoked grant, a removed mapping).
    if (
      error instanceof CliError &&
      (error.exitCode === ExitCode.loginRequired || error.exitCode === ExitCode.denied || error.exitCode === ExitCode.grantRequired)
    )
      throw error;
    const reason = error instanceof Error ? error.message : String(error);
    options.warn(
      `rolegate: warning: could not refresh the credentials (${reason}); using the cached ones, valid for ${minutes(
        remainingMs(cached.credentials, ctx.now()),
      )} more\n`,
    );
    return { entry: cached, source: 'stale' };
  }
}

/** The cache key: which broker, account, role and duration. */
export function cacheRequestOf(ctx: CliContext, request: RoleRequest): CacheRequest {
  return {
    broker: ctx.broker().url,
    account: request.account,
    role: request.role,
    ...(request.durationSeconds !== undefined ? { durationSeconds: request.durationSeconds } : {}),
  };
}

/** After waiting for the lock: fresh by the margin, or fetched by another process since we started. */
function isFreshEnough(entry: CachedCredentials, startedAt: number, now: number, marginMs: number): boolean {
  if (isWarm(entry, now, marginMs)) return true;
  return remainingMs(entry.credentials, now) > MIN_USABLE_MS && entry.obtainedAt !== undefined && entry.obtainedAt >= startedAt;
}

async function fetchFromBroker(ctx: CliContext, key: CacheRequest, request: RoleRequest, timeoutMs?: number): Promise<CachedCredentials> {
  const body: CredentialsRequest = {
    ...(/^\d{12}$/.test(request.account) ? { accountId: request.account } : { alias: request.account }),
    role: request.role,
    ...(request.durationSeconds !== undefined ? { durationSeconds: request.durationSeconds } : {}),
    ...(request.justification !== undefined ? { justification: request.justification } : {}),
  };
  const answer = await callApi<CredentialsResponse>(ctx, {
    method: 'POST',
    path: '/api/v1/credentials',
    json: body,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const c = answer.credentials;
  return {
    key: cacheKeyOf(key),
    credentials: {
      Version: 1,
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      SessionToken: c.sessionToken,
      Expiration: new Date(c.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
    accountId: answer.account.id,
    ...(answer.account.region ? { region: answer.account.region } : {}),
    roleArn: answer.role.arn,
    obtainedAt: ctx.now(),
  };
}

function minutes(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(total / 60))} min ${String(total % 60)} s`;
}

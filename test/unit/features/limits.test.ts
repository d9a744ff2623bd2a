import { describe, expect, it } from 'vitest';
import { memoryRateLimiters } from '../../../src/adapters/rate-limits/flexible-rate-limiters.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { limitSpecs } from '../../../src/composition/rate-limits.js';
import { RolegateError } from '../../../src/domain/errors.js';
import { Limits, type LimitName, type LimitSpec } from '../../../src/features/rate-limits/limits.js';
import type { RateLimiterStore } from '../../../src/ports/rate-limiter.js';
import { captureLogs } from '../../support/logs.js';

const failingStore: RateLimiterStore = {
  backend: 'redis',
  limiter: () => ({
    consume: () => Promise.reject(new Error('Redis is not connected')),
    refund: () => Promise.reject(new Error('Redis is not connected')),
  }),
  close: () => Promise.resolve(),
};

function specs(overrides: Partial<Record<LimitName, Partial<LimitSpec>>> = {}): Record<LimitName, LimitSpec> {
  const loaded = loadConfig({});
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const base = limitSpecs(loaded.config);
  for (const [name, spec] of Object.entries(overrides) as [LimitName, Partial<LimitSpec>][]) base[name] = { ...base[name], ...spec };
  return base;
}

function world(store: RateLimiterStore, overrides: Partial<Record<LimitName, Partial<LimitSpec>>> = {}) {
  const counted: string[] = [];
  const failed: string[] = [];
  let now = 1_000_000;
  const logs = captureLogs();
  const limits = new Limits(
    store,
    specs(overrides),
    { limited: (limit) => counted.push(limit), storeFailed: (limit, decision) => failed.push(`${limit}:${decision}`) },
    { now: () => now },
  );
  return { limits, counted, failed, logs, advance: (ms: number) => (now += ms) };
}

async function refusal(promise: Promise<unknown>): Promise<RolegateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RolegateError)) throw new Error(`expected a RolegateError, got ${String(error)}`);
  return error;
}

describe('Limits', () => {
  it('when a subject goes over a limit, then it gets 429 rate_limited with Retry-After in whole seconds, counted every time and logged at warn once', async () => {
    const w = world(memoryRateLimiters(), { loginStartsPerIp: { points: 2 } });
    await w.limits.enforce('loginStartsPerIp', '203.0.113.7', w.logs.logger);
    await w.limits.enforce('loginStartsPerIp', '203.0.113.7', w.logs.logger);
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await refusal(w.limits.enforce('loginStartsPerIp', '203.0.113.7', w.logs.logger)));
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, extras: { limit: 'loginStartsPerIp' } });
      expect(error.headers['Retry-After']).toMatch(/^[1-9]\d*$/);
      expect(Number(error.headers['Retry-After'])).toBeLessThanOrEqual(60);
      expect(error.detail).toMatch(/Too many sign-ins started from your network; try again in \d+ s/);
    }
    expect(w.counted).toEqual(['loginStartsPerIp', 'loginStartsPerIp', 'loginStartsPerIp']);
    const warns = w.logs.lines().filter((l) => l.msg === 'rate limit reached');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'warn', limit: 'loginStartsPerIp', retryAfterSeconds: expect.any(Number) as unknown });
    // The key is hashed: the address is not in the log.
    expect(w.logs.text()).not.toContain('203.0.113.7');
  });

  it('when a limit is 0, then it is off', async () => {
    const w = world(memoryRateLimiters(), { consoleUrlsPerUser: { points: 0 } });
    expect(w.limits.enabled('consoleUrlsPerUser')).toBe(false);
    for (let i = 0; i < 100; i++) await w.limits.enforce('consoleUrlsPerUser', 'alice', w.logs.logger);
    expect(w.counted).toEqual([]);
  });

  it.each(['stsExchangesPerRole', 'stsExchangesPerUser', 'consoleUrlsPerUser'] as const)(
    'when the store is down, then %s lets the request through (logged once, counted as allowed), never a 500',
    async (name) => {
      const w = world(failingStore);
      await expect(w.limits.enforce(name, 'alice', w.logs.logger)).resolves.toBeUndefined();
      await expect(w.limits.enforce(name, 'alice', w.logs.logger)).resolves.toBeUndefined();
      expect(w.failed).toEqual([`${name}:allowed`, `${name}:allowed`]);
      expect(w.logs.lines().filter((l) => l.level === 'warn')).toHaveLength(1);
    },
  );

  it.each([
    'loginStartsPerIp',
    'loginCallbacksPerIp',
    'oauthTokenRequestsPerClientIp',
    'deviceAuthorizationsPerIp',
    'pendingLoginsPerIp',
    'pendingLoginsTotal',
  ] as const)('when the store is down, then %s refuses with 503 dependency_unavailable and Retry-After, never a 500', async (name) => {
    const w = world(failingStore);
    const error = await refusal(w.limits.enforce(name, '203.0.113.7', w.logs.logger));
    expect(error).toMatchObject({ code: 'dependency_unavailable', status: 503, headers: { 'Retry-After': '5' } });
    expect(error.detail).toMatch(/Redis/);
    expect(w.failed).toEqual([`${name}:refused`]);
  });

  it('when a counted event is refunded within its window, then its place is free (refused attempts hold none); after the window, a refund gives nothing', async () => {
    const w = world(memoryRateLimiters(), { pendingLoginsPerIp: { points: 1 } });
    const ticket = await w.limits.enforce('pendingLoginsPerIp', 'ip', w.logs.logger);
    expect(ticket).toMatchObject({ limit: 'pendingLoginsPerIp' });
    for (let i = 0; i < 3; i++) await refusal(w.limits.enforce('pendingLoginsPerIp', 'ip', w.logs.logger));
    if (ticket) await w.limits.refund(ticket, w.logs.logger);
    const next = await w.limits.enforce('pendingLoginsPerIp', 'ip', w.logs.logger);
    // The clock says the window is over: this refund would credit a later window, so it is skipped.
    w.advance(10 * 60_000);
    if (next) await w.limits.refund(next, w.logs.logger);
    await refusal(w.limits.enforce('pendingLoginsPerIp', 'ip', w.logs.logger));
  });

  it('when a refund cannot reach the store, then it does not throw', async () => {
    const w = world(failingStore);
    await expect(w.limits.refund({ limit: 'pendingLoginsPerIp', key: 'k', until: Date.now() * 2 }, w.logs.logger)).resolves.toBeUndefined();
  });
});

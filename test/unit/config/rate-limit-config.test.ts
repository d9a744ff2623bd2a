import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('rate limits and the login timeout in the configuration', () => {
  it('when nothing is set, then a started sign-in waits 5 minutes and every limit has its documented default', () => {
    const loaded = loadConfig({});
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    expect(loaded.config.sessions.loginTimeoutMs).toBe(300_000);
    expect(loaded.config.rateLimits).toEqual({
      stsExchangesPerRole: 20,
      stsExchangesPerUser: 60,
      consoleUrlsPerUser: 30,
      loginStartsPerIp: 30,
      loginCallbacksPerIp: 30,
      oauthTokenRequestsPerClientIp: 120,
      deviceAuthorizationsPerIp: 10,
      pendingLoginsPerIp: 20,
      pendingLoginsTotal: 20_000,
    });
  });

  it('when a limit is set to 0 through its variable, then it is off; the pending-login caps cannot be', () => {
    const off = loadConfig({ ROLEGATE_RATE_LIMIT_STS_PER_ROLE: '0', ROLEGATE_RATE_LIMIT_LOGIN_STARTS_PER_IP: '0' });
    if (!off.ok) throw new Error(off.problems.join('\n'));
    expect(off.config.rateLimits).toMatchObject({ stsExchangesPerRole: 0, loginStartsPerIp: 0 });
    const refused = loadConfig({ ROLEGATE_MAX_PENDING_LOGINS_PER_IP: '0', ROLEGATE_MAX_PENDING_LOGINS: '0' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.problems).toEqual([
        'rateLimits.pendingLoginsPerIp (env ROLEGATE_MAX_PENDING_LOGINS_PER_IP): expected an integer from 1 to 100000, got "0"',
        'rateLimits.pendingLoginsTotal (env ROLEGATE_MAX_PENDING_LOGINS): expected an integer from 1 to 10000000, got "0"',
      ]);
    }
  });

  it.each([['-1'], ['1.5'], ['lots'], ['100001']])('when a limit is %s, then start-up names the key and what it expects', (value) => {
    const loaded = loadConfig({ ROLEGATE_RATE_LIMIT_OAUTH_TOKEN: value });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      expect(loaded.problems).toEqual([
        expect.stringMatching(
          /^rateLimits\.oauthTokenRequestsPerClientIp \(env ROLEGATE_RATE_LIMIT_OAUTH_TOKEN\): expected an integer from 0 to 100000/,
        ) as unknown,
      ]);
    }
  });
});

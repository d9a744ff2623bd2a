import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../peers/saml-idp.js';
import { startCliBroker, type CliBroker } from '../support/cli-broker.js';
import { cliHome, runCli } from '../support/cli-process.js';
import { requestFrom, statusesOf, type Answer } from '../support/from-address.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';

const samlIdp = {
  slug: 'corp-saml',
  displayName: 'Corp SAML',
  kind: 'saml',
  settings: { entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/sso', certificates: [KEYS.idp.cert] },
};

/** What an OAuth endpoint's refusal must look like: 429, Retry-After, OAuth error JSON (never problem+json), not cached. */
function expectOAuthRateLimited(answer: Answer, error: 'slow_down' | 'temporarily_unavailable') {
  expect(answer.status).toBe(429);
  expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.json()).toEqual({ error, error_description: expect.stringMatching(/^Too many .*try again in \d+ s$/) as unknown });
}

describe('OAuth endpoints of the CLI', () => {
  let broker: CliBroker;
  beforeAll(async () => {
    // The default device-authorization limit (the CLI test broker raises it for its many sign-ins).
    broker = await startCliBroker({ ROLEGATE_RATE_LIMIT_DEVICE_AUTHORIZATIONS_PER_IP: '10' });
  }, 60_000);
  afterAll(async () => {
    await broker.close();
  });
  const token = (from: string, form: Record<string, string>) => requestFrom(from, `${broker.url}/oauth/token`, { form });

  it('when one client and address floods the token endpoint with junk refresh tokens, then after 120 it gets 429 temporarily_unavailable; another address is unaffected', async () => {
    const junk = () => token('127.0.0.51', { grant_type: 'refresh_token', client_id: 'rolegate-cli', refresh_token: 'junk' });
    const statuses = await statusesOf(120, junk);
    expect(new Set(statuses)).toEqual(new Set([400]));
    expectOAuthRateLimited(await junk(), 'temporarily_unavailable');
    expect((await token('127.0.0.52', { grant_type: 'refresh_token', client_id: 'rolegate-cli', refresh_token: 'junk' })).status).toBe(400);
  });

  it('when a device-code poll is over the limit, then it gets slow_down (RFC 8628: the client polls slower)', async () => {
    const poll = () =>
      token('127.0.0.53', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: 'rolegate-cli',
        device_code: 'junk',
      });
    await statusesOf(120, poll);
    expectOAuthRateLimited(await poll(), 'slow_down');
  });

  it('when one address starts more than 10 device sign-ins in a minute, then the 11th gets 429 and another address is unaffected', async () => {
    const begin = (from: string) => requestFrom(from, `${broker.url}/oauth/device_authorization`, { form: { client_id: 'rolegate-cli' } });
    expect(await statusesOf(10, () => begin('127.0.0.54'))).toEqual(Array(10).fill(200));
    expectOAuthRateLimited(await begin('127.0.0.54'), 'temporarily_unavailable');
    expect((await begin('127.0.0.55')).status).toBe(200);
  });

  it('when the CLI is refused by the limit, then it says so in one line and exits as a broker error, not as a bug', async () => {
    // The CLI connects from 127.0.0.1: use that address's budget up first.
    await statusesOf(10, () =>
      requestFrom('127.0.0.1', `${broker.url}/oauth/device_authorization`, { form: { client_id: 'rolegate-cli' } }),
    );
    const run = await runCli(['login', '--broker', broker.url, '--no-browser'], cliHome());
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(
      /^rolegate: the broker refused: temporarily_unavailable: Too many device sign-ins started from your network; try again in \d+ s\nhint: \S.*\n$/,
    );
  });
});

describe('client addresses behind a trusted proxy', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startLoginApp(() => [samlIdp], { ROLEGATE_TRUST_PROXY: 'loopback' });
  }, 60_000);
  afterAll(async () => {
    await app.close();
  });
  const start = (socket: string, client: string) =>
    requestFrom(socket, `${app.url}/auth/saml/corp-saml/login`, { headers: { 'x-forwarded-for': client } });

  it('when the proxy is trusted, then the client it names is what is counted: one client is capped whatever socket it comes through, the next is not', async () => {
    expect(await statusesOf(20, () => start('127.0.0.61', '198.51.100.7'))).toEqual(Array(20).fill(302));
    expect((await start('127.0.0.61', '198.51.100.7')).status).toBe(429);
    expect((await start('127.0.0.62', '198.51.100.7')).status).toBe(429);
    expect((await start('127.0.0.61', '198.51.100.8')).status).toBe(302);
  });

  it('when IPv6 clients come from one /64, then they share one count; another /64 does not', async () => {
    const statuses = [];
    for (let i = 1; i <= 21; i++) statuses.push((await start('127.0.0.63', `2001:db8:aa:1::${i.toString(16)}`)).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(302));
    expect(statuses[20]).toBe(429);
    expect((await start('127.0.0.63', '2001:db8:aa:2::1')).status).toBe(302);
  });
});

describe('limits with the in-process store (no Redis)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startLoginApp(() => [samlIdp], { REDIS_URL: '' });
  }, 60_000);
  afterAll(async () => {
    await app.close();
  });

  it('when Redis is not configured, then the same limits hold in process memory', async () => {
    expect(app.t.deps.kv.backend).toBe('memory');
    const start = () => requestFrom('127.0.0.71', `${app.url}/auth/saml/corp-saml/login`);
    expect(await statusesOf(20, start)).toEqual(Array(20).fill(302));
    const refused = await start();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    const acs = () => requestFrom('127.0.0.72', `${app.url}/auth/saml/corp-saml/acs`, { form: { SAMLResponse: 'junk' } });
    expect((await statusesOf(30, acs)).includes(429)).toBe(false);
    expect((await acs()).status).toBe(429);
  });
});

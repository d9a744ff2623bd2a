import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { KEYS } from '../peers/saml-idp.js';
import { startSecondInstance } from '../support/app.js';
import { signedInBrowser } from '../support/cli-broker.js';
import { requestFrom, statusesOf, type Answer } from '../support/from-address.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';
import { testRedisUrl } from '../support/redis.js';

// rolegate with its default limits on the shared test Redis, one OIDC IdP (a real provider) and
// one SAML IdP (never contacted: the ACS only sees junk here). Each test is a client of its own:
// its requests leave from a loopback address of its own (127.0.0.x), as rolegate sees them.
let peer: OidcPeer;
let app: RunningApp;

beforeAll(async () => {
  app = await startLoginApp(async (publicUrl) => {
    peer = await startOidcPeer({ redirectUris: [`${publicUrl}/auth/oidc/corp/callback`] });
    return [
      {
        slug: 'corp',
        displayName: 'Corp SSO',
        kind: 'oidc',
        groupsFrom: 'groups',
        settings: { issuer: peer.issuer, clientId: peer.clientId, allowInsecureLoopbackIssuer: true },
        clientSecret: peer.clientSecret,
      },
      {
        slug: 'corp-saml',
        displayName: 'Corp SAML',
        kind: 'saml',
        settings: { entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/sso', certificates: [KEYS.idp.cert] },
      },
    ];
  });
}, 60_000);
afterAll(async () => {
  await app.close();
  await peer.close();
});

const start = (from: string, kind = 'oidc', headers: Record<string, string> = {}) =>
  requestFrom(from, `${app.url}/auth/${kind}/${kind === 'oidc' ? 'corp' : 'corp-saml'}/login`, { headers });

/** What every refusal must look like: 429, Retry-After in whole seconds, problem+json naming the limit. */
function expectRateLimited(answer: Answer, limit: string, maxRetryAfter: number) {
  expect(answer.status).toBe(429);
  const retryAfter = answer.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(maxRetryAfter);
  expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.json()).toMatchObject({ code: 'rate_limited', status: 429, limit, retryAfterSeconds: Number(retryAfter) });
}

async function withRedis<T>(use: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient({ url: testRedisUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

const loginRecords = () =>
  withRedis(async (client) => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${app.t.redisPrefix}login-tx:*`, COUNT: 1000 })) keys.push(...batch);
    return Promise.all(keys.map(async (key) => ({ key, ttl: await client.pTTL(key) })));
  });

async function metric(name: string, limit: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{limit="${limit}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('pending sign-ins per client address', () => {
  it('when one address starts sign-ins it never finishes, then the 21st is refused with 429 and Redis holds 20 login records for it, each for at most 5 minutes', async () => {
    const before = (await loginRecords()).length;
    const started = [];
    for (let i = 0; i < 20; i++) started.push(await start('127.0.0.21', i % 2 === 0 ? 'oidc' : 'saml'));
    expect(started.map((a) => a.status)).toEqual(Array(20).fill(302));
    // The login cookie and the record live 5 minutes (sessions.loginTimeoutMs), no longer.
    expect(String(started[0]?.headers['set-cookie'])).toMatch(/Max-Age=300;/);
    const records = await loginRecords();
    expect(records.length - before).toBe(20);
    for (const { ttl } of records) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
    }

    const refused = await start('127.0.0.21');
    expectRateLimited(refused, 'pendingLoginsPerIp', 300);
    expect(refused.json().detail).toMatch(/Too many unfinished sign-ins from your network/);
    expect((await start('127.0.0.21', 'saml')).status).toBe(429);
    expect((await loginRecords()).length - before).toBe(20);
  });

  it('when a client is at its cap, then a spoofed X-Forwarded-For does not dodge it (no proxy is trusted) and other addresses are unaffected', async () => {
    for (let i = 0; i < 20; i++) await start('127.0.0.22');
    for (const spoofed of ['198.51.100.1', '198.51.100.2, 127.0.0.99', '2001:db8::1']) {
      expect((await start('127.0.0.22', 'oidc', { 'x-forwarded-for': spoofed })).status).toBe(429);
    }
    expect((await start('127.0.0.23')).status).toBe(302);
  });

  it('when a browser asks for a page, then the refusal is a readable HTML page with Retry-After', async () => {
    for (let i = 0; i < 20; i++) await start('127.0.0.24');
    const page = await start('127.0.0.24', 'oidc', { accept: 'text/html' });
    expect(page.status).toBe(429);
    expect(page.headers['retry-after']).toMatch(/^\d+$/);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/Too many unfinished sign-ins from your network/);
    expect(page.text).not.toMatch(/"code"/);
  });

  it('when a sign-in is finished, then its place is free again', async () => {
    // 127.0.0.1 is where the Browser (fetch) connects from: 19 unfinished sign-ins, one finished.
    for (let i = 0; i < 19; i++) expect((await start('127.0.0.1')).status).toBe(302);
    await signedInBrowser({ url: app.url } as Parameters<typeof signedInBrowser>[0], 'alice');
    expect((await start('127.0.0.1')).status).toBe(302);
    expect((await start('127.0.0.1')).status).toBe(429);
  });

  it('when two instances share Redis, then a client has one cap across both', async () => {
    const second = await startSecondInstance(app.t);
    try {
      const statuses = [];
      for (let i = 0; i < 24; i++) {
        const base = i % 2 === 0 ? app.url : second.url;
        statuses.push((await requestFrom('127.0.0.25', `${base}/auth/oidc/corp/login`)).status);
      }
      expect(statuses.filter((s) => s === 302)).toHaveLength(20);
      expect(statuses.slice(20)).toEqual([429, 429, 429, 429]);
    } finally {
      await second.close();
    }
  });

  it('when the limit refuses, then it is counted in rolegate_rate_limited_total and logged at warn with the limit and a hashed key, never the address', async () => {
    expect(await metric('rolegate_rate_limited_total', 'pendingLoginsPerIp')).toBeGreaterThanOrEqual(5);
    const warns = app.t.logs.lines().filter((l) => l.msg === 'rate limit reached' && l.limit === 'pendingLoginsPerIp');
    expect(warns.length).toBeGreaterThanOrEqual(1);
    for (const line of warns) {
      expect(line).toMatchObject({ level: 'warn', event: 'rate_limited', key: expect.stringMatching(/^[\w-]{22}$/) as unknown });
      expect(JSON.stringify(line)).not.toMatch(/127\.0\.0\.\d+/);
    }
  });
});

describe('sign-in responses (ACS, OIDC callback) per client address', () => {
  it('when one address posts junk to the ACS, then after 30 refusals (4xx) it gets 429, and another address still gets its 4xx', async () => {
    const junk = () =>
      requestFrom('127.0.0.31', `${app.url}/auth/saml/corp-saml/acs`, { form: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=' } });
    const statuses = await statusesOf(30, junk);
    expect(statuses.every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expectRateLimited(await junk(), 'loginCallbacksPerIp', 60);
    const other = await requestFrom('127.0.0.32', `${app.url}/auth/saml/corp-saml/acs`, {
      form: { SAMLResponse: 'PHNhbWxwOlJlc3BvbnNlLz4=' },
    });
    expect(other.status).not.toBe(429);
    expect(other.status).toBeGreaterThanOrEqual(400);
    expect(await metric('rolegate_rate_limited_total', 'loginCallbacksPerIp')).toBeGreaterThanOrEqual(1);
  });

  it('when one address sends junk SAML logout messages over either binding, then after 30 it gets 429', async () => {
    let n = 0;
    const junk = () =>
      n++ % 2 === 0
        ? requestFrom('127.0.0.34', `${app.url}/auth/saml/corp-saml/slo?SAMLRequest=junk`)
        : requestFrom('127.0.0.34', `${app.url}/auth/saml/corp-saml/slo`, { form: { SAMLRequest: 'PHNhbWxwOkxvZ291dFJlcXVlc3QvPg==' } });
    const statuses = await statusesOf(30, junk);
    expect(statuses.every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expectRateLimited(await junk(), 'loginCallbacksPerIp', 60);
  });

  it('when one address calls the OIDC callback with junk, then after 30 it gets 429 (as an HTML page for a browser)', async () => {
    const junk = (accept = 'application/json') =>
      requestFrom('127.0.0.33', `${app.url}/auth/oidc/corp/callback?code=junk&state=junk`, { headers: { accept } });
    const statuses = await statusesOf(30, () => junk());
    expect(statuses.every((s) => s >= 400 && s < 500 && s !== 429)).toBe(true);
    expectRateLimited(await junk(), 'loginCallbacksPerIp', 60);
    const page = await junk('text/html');
    expect(page.status).toBe(429);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/Too many sign-in responses from your network/);
  });
});

describe('sign-in starts per client address', () => {
  it('when sign-ins are finished as fast as they start, then the 31st start in a minute is refused by loginStartsPerIp', async () => {
    // Each start is finished at once (its record taken by a callback with a wrong state), so the
    // pending cap never fills: what refuses is the rate of starts.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const started = await start('127.0.0.41');
      statuses.push(started.status);
      const cookie = String(started.headers['set-cookie']).split(';')[0] ?? '';
      await requestFrom('127.0.0.42', `${app.url}/auth/oidc/corp/callback?code=x&state=wrong`, { headers: { cookie } });
    }
    expect(statuses).toEqual(Array(30).fill(302));
    expectRateLimited(await start('127.0.0.41'), 'loginStartsPerIp', 60);
  });
});

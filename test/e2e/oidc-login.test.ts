import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { Browser } from '../support/browser.js';
import { auditRows, startLoginApp, type RunningApp } from '../support/login-app.js';
import { rawRedisGet } from '../support/redis.js';

let peer: OidcPeer;
let app: RunningApp;

beforeAll(async () => {
  app = await startLoginApp(async (publicUrl) => {
    peer = await startOidcPeer({
      redirectUris: [`${publicUrl}/auth/oidc/corp/callback`],
      postLogoutRedirectUris: [`${publicUrl}/login?loggedOut=1`],
    });
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
        slug: 'down',
        displayName: 'Unreachable IdP',
        kind: 'oidc',
        settings: {
          issuer: 'http://127.0.0.1:9/realms/x',
          clientId: 'x',
          tokenEndpointAuthMethod: 'none',
          allowInsecureLoopbackIssuer: true,
        },
      },
    ];
  });
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

/** Goes through rolegate → the IdP's login and consent forms, and stops at rolegate's callback URL. */
async function toCallback(browser: Browser, user: string, returnTo = '/portal'): Promise<string> {
  const isCallback = (u: string) => u.startsWith(`${app.url}/auth/oidc/corp/callback`);
  const start = await browser.follow(`${app.url}/auth/oidc/corp/login?returnTo=${encodeURIComponent(returnTo)}`, {
    stopAt: (u) => u.includes('/interaction/') || isCallback(u),
  });
  expect(start.stopped).toBe(true);
  // A browser that already has a session at the IdP comes straight back.
  if (isCallback(start.url)) return start.url;
  let step = await browser.follow(`${start.url}/login`, {
    method: 'POST',
    form: { login: user },
    stopAt: (u) => u.includes('/interaction/') || isCallback(u),
  });
  if (!isCallback(step.url)) step = await browser.follow(`${step.url}/consent`, { method: 'POST', form: {}, stopAt: isCallback });
  expect(isCallback(step.url)).toBe(true);
  return step.url;
}

async function signIn(user: string, returnTo = '/portal'): Promise<{ browser: Browser; callback: Response }> {
  const browser = new Browser();
  const callback = await browser.request(await toCallback(browser, user, returnTo));
  return { browser, callback };
}

const me = (browser: Browser) => browser.request(`${app.url}/api/v1/me`);

describe('OIDC sign-in against a real OpenID Provider', () => {
  it('when alice signs in, then the callback opens a session, lands on returnTo and /api/v1/me shows her identity and groups', async () => {
    const { browser, callback } = await signIn('alice');
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/portal');
    const setCookie = callback.headers.getSetCookie().find((c) => c.startsWith('rolegate_session='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);

    const res = await me(browser);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: 'corp:u-alice-0001',
      idp: 'corp',
      subject: 'u-alice-0001',
      username: 'alice',
      email: 'alice@corp.example',
      groups: ['aws-admins', 'aws-dev'],
      authn: { mfa: false },
    });
    // Redis holds the session under the sha256 of the cookie, never the cookie itself.
    const cookie = browser.cookie('rolegate_session') ?? '';
    const stored = await rawRedisGet(`${app.t.redisPrefix}session:${createHash('sha256').update(cookie).digest('hex')}`);
    expect(stored).toContain('u-alice-0001');
    expect(await rawRedisGet(`${app.t.redisPrefix}session:${cookie}`)).toBeNull();
    const login = (await auditRows(app.t, 'login')).find((r) => r.subject === 'corp:u-alice-0001');
    expect(login).toMatchObject({ outcome: 'success', idp: 'corp', groups: ['aws-admins', 'aws-dev'] });
    expect(login?.requestId).toBeTruthy();
  });

  it('when the session TTL is set, then it is at most the id_token lifetime (1 h here), not the 8 h maximum', async () => {
    const { browser } = await signIn('alice');
    const body = (await (await me(browser)).json()) as { session: { createdAt: string; expiresAt: string } };
    const ttl = Date.parse(body.session.expiresAt) - Date.parse(body.session.createdAt);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('when a user with no groups signs in, then the sign-in succeeds and they see they have no roles', async () => {
    const { browser, callback } = await signIn('bob');
    expect(callback.status).toBe(303);
    expect(await (await me(browser)).json()).toMatchObject({ username: 'bob', groups: [] });
    const page = await (await browser.request(`${app.url}/login`)).text();
    expect(page).toContain('you have no AWS roles');
  });

  it('when the IdP says the user used MFA (amr), then the session records it', async () => {
    const { browser } = await signIn('carol');
    expect(await (await me(browser)).json()).toMatchObject({
      username: 'carol',
      groups: ['aws-breakglass'],
      authn: { mfa: true, methods: ['pwd', 'mfa'], contextClass: 'urn:corp:loa:2' },
    });
  });

  it('when someone signs in twice, then each login gets a new session id (no fixation), even if a cookie was planted', async () => {
    const browser = new Browser();
    browser.cookies.set('rolegate_session', { value: 'planted-by-attacker-planted-by-attacker-0000', attributes: '' });
    await browser.request(await toCallback(browser, 'alice'));
    const first = browser.cookie('rolegate_session');
    expect(first).not.toBe('planted-by-attacker-planted-by-attacker-0000');
    await browser.request(await toCallback(browser, 'alice'));
    expect(browser.cookie('rolegate_session')).not.toBe(first);
    // The session the browser had is ended, not left behind.
    const old = new Browser();
    old.cookies.set('rolegate_session', { value: first ?? '', attributes: '' });
    expect((await me(old)).status).toBe(401);
    expect((await me(browser)).status).toBe(200);
  });

  it('when nobody is signed in, then /api/v1/me is 401 login_required', async () => {
    const res = await me(new Browser());
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'login_required' });
  });

  it('when the callback carries another state, then it is 401, no session is created and the refusal is audited', async () => {
    const browser = new Browser();
    const callbackUrl = new URL(await toCallback(browser, 'alice'));
    callbackUrl.searchParams.set('state', 'forged-state');
    const res = await browser.request(callbackUrl.href);
    expect(res.status).toBe(401);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('assertion_invalid');
    expect(problem.detail).toMatch(/state/);
    expect(browser.cookie('rolegate_session')).toBeUndefined();
    expect((await me(browser)).status).toBe(401);
    const denied = (await auditRows(app.t, 'login')).filter((r) => r.outcome === 'denied' && /state/.test(r.reason ?? ''));
    expect(denied.length).toBeGreaterThan(0);
    expect(app.t.logs.lines().some((l) => l.event === 'login' && l.outcome === 'denied' && /state/.test(String(l.reason)))).toBe(true);
  });

  it('when a callback arrives without a pending login in this browser, then it is 401 and says so', async () => {
    const victim = new Browser();
    const callbackUrl = await toCallback(new Browser(), 'alice');
    const res = await victim.request(callbackUrl);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/No sign-in is pending/);
    expect(victim.cookie('rolegate_session')).toBeUndefined();
  });

  it('when the same callback is replayed, then the second one is refused (the pending login is consumed once)', async () => {
    const browser = new Browser();
    const callbackUrl = await toCallback(browser, 'alice');
    const cookie = browser.cookie('rolegate_login') ?? '';
    expect((await browser.request(callbackUrl)).status).toBe(303);
    const replay = new Browser();
    replay.cookies.set('rolegate_login', { value: cookie, attributes: '' });
    const res = await replay.request(callbackUrl);
    expect(res.status).toBe(401);
  });

  it('when a user logs out, then the CSRF token is required, the Redis key is gone and the IdP logout follows', async () => {
    const { browser } = await signIn('alice');
    const { csrfToken } = (await (await me(browser)).json()) as { csrfToken: string };
    const cookie = browser.cookie('rolegate_session') ?? '';
    const key = `${app.t.redisPrefix}session:${createHash('sha256').update(cookie).digest('hex')}`;

    const forged = await browser.request(`${app.url}/auth/logout`, { method: 'POST', form: {} });
    expect(forged.status).toBe(403);
    const crossSite = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: csrfToken },
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(await rawRedisGet(key)).not.toBeNull();

    const res = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: csrfToken },
      headers: { origin: app.url },
    });
    expect(res.status).toBe(200);
    const { continueTo } = (await res.json()) as { continueTo: string };
    expect(continueTo).toMatch(new RegExp(`^${peer.issuer}/session/end`));
    expect(await rawRedisGet(key)).toBeNull();
    expect((await me(browser)).status).toBe(401);
    const logout = (await auditRows(app.t, 'logout')).at(-1);
    expect(logout).toMatchObject({ outcome: 'success', subject: 'corp:u-alice-0001' });
  });

  it('when endAllSessionsOf is called, then every session of that principal ends', async () => {
    const one = await signIn('carol');
    const two = await signIn('carol');
    expect(await app.t.deps.sessions.endAllSessionsOf('corp:u-carol-0003')).toBeGreaterThanOrEqual(2);
    expect((await me(one.browser)).status).toBe(401);
    expect((await me(two.browser)).status).toBe(401);
  });
});

describe('logout from a browser page', () => {
  it('when a browser posts the sign-out form, then it gets a page that navigates on to the IdP logout (a redirect would break CSP form-action)', async () => {
    const { browser } = await signIn('alice');
    const page = await (await browser.request(`${app.url}/login`)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const res = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: csrf },
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(new RegExp(`<meta http-equiv="refresh" content="0;url=${peer.issuer}/session/end[^"]*"`));
    expect(html).not.toMatch(/<script|style=/);
    expect((await me(browser)).status).toBe(401);
  });
});

describe('CSRF protection as browsers send it', () => {
  it('when a same-origin form post carries Origin: null (no-referrer policy) and Sec-Fetch-Site: same-origin, then the token decides', async () => {
    const { browser } = await signIn('alice');
    const { csrfToken } = (await (await me(browser)).json()) as { csrfToken: string };
    const crossSite = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: csrfToken },
      headers: { origin: 'null', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    const noToken = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: {},
      headers: { origin: 'null', 'sec-fetch-site': 'same-origin' },
    });
    expect(noToken.status).toBe(403);
    const ok = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: csrfToken },
      headers: { origin: 'null', 'sec-fetch-site': 'same-origin' },
    });
    expect(ok.status).toBe(200);
  });
});

describe('what the logs never carry', () => {
  it('when users sign in and out, then no client secret, session cookie, pre-login id or authorization code appears in the logs', async () => {
    const browser = new Browser();
    const callbackUrl = new URL(await toCallback(browser, 'alice'));
    const loginCookie = browser.cookie('rolegate_login') ?? '';
    await browser.request(callbackUrl.href);
    const session = browser.cookie('rolegate_session') ?? '';
    const { csrfToken } = (await (await me(browser)).json()) as { csrfToken: string };
    await browser.request(`${app.url}/auth/logout`, { method: 'POST', form: { _csrf: csrfToken } });
    const logs = app.t.logs.text();
    for (const secret of [peer.clientSecret, session, loginCookie, csrfToken, callbackUrl.searchParams.get('code') ?? '']) {
      expect(secret.length).toBeGreaterThan(10);
      expect(logs).not.toContain(secret);
    }
  });
});

describe('login chooser and IdP outages', () => {
  it('when several IdPs are configured, then /login lists each and keeps only a same-origin returnTo', async () => {
    const res = await new Browser().request(`${app.url}/login?returnTo=${encodeURIComponent('//evil.example/x')}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('href="/auth/oidc/corp/login"');
    expect(page).toContain('Sign in with Unreachable IdP');
    expect(page).not.toContain('evil.example');
    expect(page).not.toMatch(/<script|style=/);
    const kept = await (await new Browser().request(`${app.url}/login?returnTo=%2Fportal%3Ftab%3D1`)).text();
    expect(kept).toContain('/auth/oidc/corp/login?returnTo=%2Fportal%3Ftab%3D1');
  });

  it('when the IdP is down, then a browser gets a clear 503 page and an API client problem+json, and nothing crashes', async () => {
    const page = await new Browser({ accept: 'text/html' }).request(`${app.url}/auth/oidc/down/login`);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/Identity provider down cannot be reached/);
    const api = await new Browser().request(`${app.url}/auth/oidc/down/login`);
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({ code: 'dependency_unavailable' });
    expect((await new Browser().request(`${app.url}/healthz`)).status).toBe(200);
  });

  it('when an unknown IdP is asked for, then it is 404', async () => {
    expect((await new Browser().request(`${app.url}/auth/oidc/nope/login`)).status).toBe(404);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, formField } from '../support/browser.js';
import {
  approveInBrowser,
  authorizeParams,
  authorizeUrl,
  bearer,
  oauthPost,
  pkcePair,
  signedInBrowser,
  startCliBroker,
  type CliBroker,
} from '../support/cli-broker.js';
import { auditRows } from '../support/login-app.js';

let broker: CliBroker;
let alice: Browser;

beforeAll(async () => {
  broker = await startCliBroker();
  alice = await signedInBrowser(broker, 'alice');
});
afterAll(async () => {
  await broker.close();
});

const exchange = (form: Record<string, string | undefined>) =>
  oauthPost(broker, '/oauth/token', { grant_type: 'authorization_code', client_id: 'rolegate-cli', ...form });

/** A fresh code for alice, with the verifier and redirect URI that go with it. */
async function freshCode(overrides: Record<string, string | undefined> = {}) {
  const { verifier, challenge } = pkcePair();
  const params = authorizeParams(challenge, overrides);
  const back = await approveInBrowser(alice, authorizeUrl(broker, params));
  return { code: back.searchParams.get('code') ?? '', verifier, redirectUri: params.redirect_uri ?? '', back };
}

describe('authorization endpoint (loopback + PKCE, RFC 8252)', () => {
  it('when nobody is signed in, then it sends the browser to /login with the whole request as returnTo', async () => {
    const { challenge } = pkcePair();
    const url = authorizeUrl(broker, authorizeParams(challenge));
    const res = await new Browser().request(url);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '', broker.url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('returnTo')).toBe(url.slice(broker.url.length));
  });

  it('when a signed-out user follows the login redirect, then after signing in they land on the consent page', async () => {
    const { challenge } = pkcePair();
    const url = authorizeUrl(broker, authorizeParams(challenge));
    const browser = new Browser();
    const toLogin = await browser.follow(url, { stopAt: (u) => u.includes('/interaction/') });
    expect(toLogin.stopped).toBe(true);
    const afterIdp = await browser.follow(`${toLogin.url}/login`, {
      method: 'POST',
      form: { login: 'bob' },
      stopAt: (u) => u.startsWith(`${broker.url}/oauth/authorize`) || u.includes('/interaction/'),
    });
    const landed = afterIdp.url.includes('/interaction/')
      ? await browser.follow(`${afterIdp.url}/consent`, {
          method: 'POST',
          form: {},
          stopAt: (u) => u.startsWith(`${broker.url}/oauth/authorize`),
        })
      : afterIdp;
    expect(landed.url).toBe(url);
    const page = await (await browser.request(landed.url, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('Allow the rolegate CLI on this machine to get AWS credentials as bob?');
  });

  it('when the request is valid, then the consent page names the user, the port and the end, with CSRF-protected Allow and Deny — never auto-approved', async () => {
    const { challenge } = pkcePair();
    const res = await alice.request(authorizeUrl(broker, authorizeParams(challenge)), { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('Allow the rolegate CLI on this machine to get AWS credentials as alice?');
    expect(page).toContain('port 53682');
    expect(page).toMatch(/name="decision" value="approve"/);
    expect(page).toMatch(/name="decision" value="deny"/);
    expect(formField(page, '_csrf')).toBeTruthy();
    expect(page).not.toMatch(/<script|style=/);
  });

  it.each([
    ['http://localhost:53682/callback', /loopback address/],
    ['https://127.0.0.1:53682/callback', /must be http/],
    ['http://evil.example/callback', /loopback address/],
    ['http://user@127.0.0.1:5000/cb', /user information/],
    ['not a url', /absolute URL/],
  ])('when redirect_uri is %s, then the error is shown to the user and nothing is redirected', async (redirectUri, reason) => {
    const { challenge } = pkcePair();
    const res = await alice.request(authorizeUrl(broker, authorizeParams(challenge, { redirect_uri: redirectUri })));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(((await res.json()) as { detail: string }).detail).toMatch(reason);
  });

  it('when the client is unknown, then it is a 400 page, not a redirect', async () => {
    const { challenge } = pkcePair();
    const res = await alice.request(authorizeUrl(broker, authorizeParams(challenge, { client_id: 'evil-cli' })), {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Unknown client_id evil-cli');
  });

  it('when the redirect URI is [::1] with any port, then it is accepted (RFC 8252 §7.3)', async () => {
    const { challenge } = pkcePair();
    const res = await alice.request(authorizeUrl(broker, authorizeParams(challenge, { redirect_uri: 'http://[::1]:61000/cb' })));
    expect(res.status).toBe(200);
  });

  it.each([
    [{ code_challenge_method: 'plain' }, 'invalid_request', /S256/],
    [{ code_challenge_method: undefined }, 'invalid_request', /PKCE is required/],
    [{ code_challenge: undefined }, 'invalid_request', /code_challenge/],
    [{ code_challenge: 'short' }, 'invalid_request', /code_challenge/],
    [{ response_type: 'token' }, 'unsupported_response_type', /response_type=code/],
    [{ state: undefined }, 'invalid_request', /state is required/],
  ])('when %o, then the browser goes back to the CLI with error=%s', async (overrides, error, description) => {
    const { challenge } = pkcePair();
    const res = await alice.request(authorizeUrl(broker, authorizeParams(challenge, overrides)));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin).toBe('http://127.0.0.1:53682');
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('error_description')).toMatch(description);
    expect(location.searchParams.get('iss')).toBe(broker.url);
    expect(location.searchParams.get('state')).toBe('state' in overrides ? null : 'state-123');
  });

  it('when the user approves, then the browser goes on to the loopback redirect URI with a code, the state and iss', async () => {
    const { back } = await freshCode();
    expect(back.origin).toBe('http://127.0.0.1:53682');
    expect(back.pathname).toBe('/callback');
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('iss')).toBe(broker.url);
    expect(back.searchParams.get('code')).toMatch(/^rgac_[A-Za-z0-9_-]{43}$/);
  });

  it('when the user denies, then the browser goes back with error=access_denied and the denial is audited', async () => {
    const { challenge } = pkcePair();
    const back = await approveInBrowser(alice, authorizeUrl(broker, authorizeParams(challenge)), 'deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('state-123');
    expect(back.searchParams.get('code')).toBeNull();
    const denied = (await auditRows(broker.app.t, 'cli.authorize')).filter((r) => r.outcome === 'denied');
    expect(denied.at(-1)).toMatchObject({ subject: 'corp:u-alice-0001', reason: 'the user denied the CLI on the consent page' });
  });

  it('when the approval comes without the CSRF token or cross-site, then it is refused and no code is issued', async () => {
    const { challenge } = pkcePair();
    const page = await (await alice.request(authorizeUrl(broker, authorizeParams(challenge)), { headers: { accept: 'text/html' } })).text();
    const consent = formField(page, 'consent') ?? '';
    const noToken = await alice.request(`${broker.url}/oauth/authorize/decision`, {
      method: 'POST',
      form: { consent, decision: 'approve' },
    });
    expect(noToken.status).toBe(403);
    const crossSite = await alice.request(`${broker.url}/oauth/authorize/decision`, {
      method: 'POST',
      form: { consent, decision: 'approve', _csrf: formField(page, '_csrf') ?? '' },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    // A CLI token cannot approve for a browser either.
    const viaBearer = await fetch(`${broker.url}/oauth/authorize/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer('rgat_x') },
      body: new URLSearchParams({ consent, decision: 'approve' }).toString(),
    });
    expect(viaBearer.status).toBe(401);
  });

  it("when another user's browser answers a consent page, then it is refused (the pending request is bound to the session)", async () => {
    const { challenge } = pkcePair();
    const page = await (await alice.request(authorizeUrl(broker, authorizeParams(challenge)), { headers: { accept: 'text/html' } })).text();
    const carol = await signedInBrowser(broker, 'carol');
    const { csrfToken } = (await (await carol.request(`${broker.url}/api/v1/me`)).json()) as { csrfToken: string };
    const res = await carol.request(`${broker.url}/oauth/authorize/decision`, {
      method: 'POST',
      form: { consent: formField(page, 'consent') ?? '', decision: 'approve', _csrf: csrfToken },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/expired or was already answered/);
  });
});

describe('token endpoint: authorization_code', () => {
  it('when the code, verifier and redirect URI are right, then it answers Bearer tokens, no-store, and the grant is audited', async () => {
    const { code, verifier, redirectUri } = await freshCode();
    const res = await exchange({ code, code_verifier: verifier, redirect_uri: redirectUri, device_name: 'alice-laptop' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(res.body.access_token).toMatch(/^rgat_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(res.body.refresh_token).toMatch(/^rgrt_[A-Za-z0-9_-]{43}$/);
    // The grant lasts as long as alice's sign-in (1 h at the peer), not longer.
    expect(res.body.refresh_token_expires_in).toBeGreaterThan(3000);
    expect(res.body.refresh_token_expires_in).toBeLessThanOrEqual(3600);
    const me = await fetch(`${broker.url}/api/v1/me`, { headers: bearer(res.body.access_token) });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      username: 'alice',
      groups: ['aws-admins', 'aws-dev'],
      cliSession: { deviceName: 'alice-laptop' },
    });
    // Neither the code, the verifier nor the tokens reach the logs.
    const logs = broker.app.t.logs.text();
    for (const secret of [code, verifier, String(res.body.access_token), String(res.body.refresh_token)])
      expect(logs).not.toContain(secret);
    const row = (await auditRows(broker.app.t, 'cli.authorize')).find((r) => r.outcome === 'success');
    expect(row).toMatchObject({ subject: 'corp:u-alice-0001', idp: 'corp' });
    expect(row?.details).toMatchObject({ flow: 'loopback', deviceName: 'alice-laptop', clientId: 'rolegate-cli' });
  });

  it('when the code_verifier is wrong, then invalid_grant, and the code is spent', async () => {
    const { code, verifier, redirectUri } = await freshCode();
    const wrong = await exchange({ code, code_verifier: pkcePair().verifier, redirect_uri: redirectUri });
    expect(wrong).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/code_verifier/) as string },
    });
    const retry = await exchange({ code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(retry).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('when code_verifier is missing, then invalid_request', async () => {
    const { code, redirectUri } = await freshCode();
    expect(await exchange({ code, redirect_uri: redirectUri })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('when the redirect_uri differs from the authorization request (even by port), then invalid_grant', async () => {
    const { code, verifier } = await freshCode();
    const res = await exchange({ code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:53683/callback' });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/redirect_uri/) as string },
    });
  });

  it('when a code is replayed, then invalid_grant, and the grant the first exchange produced is revoked', async () => {
    const { code, verifier, redirectUri } = await freshCode();
    const first = await exchange({ code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(first.status).toBe(200);
    const replay = await exchange({ code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await fetch(`${broker.url}/api/v1/me`, { headers: bearer(first.body.access_token) })).status).toBe(401);
    const refresh = await oauthPost(broker, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'rolegate-cli',
      refresh_token: String(first.body.refresh_token),
    });
    expect(refresh.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/replayed/) as string });
  });

  it('when the code is unknown or malformed, then invalid_grant', async () => {
    const { verifier } = pkcePair();
    for (const code of ['rgac_' + 'A'.repeat(43), 'nonsense']) {
      expect(await exchange({ code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:1/cb' })).toMatchObject({
        status: 400,
        body: { error: 'invalid_grant' },
      });
    }
  });

  it('when the client is unknown, then 401 invalid_client; without client_id, invalid_request', async () => {
    const { code, verifier, redirectUri } = await freshCode();
    expect(await exchange({ client_id: 'other', code, code_verifier: verifier, redirect_uri: redirectUri })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await exchange({ client_id: undefined, code, code_verifier: verifier, redirect_uri: redirectUri })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });

  it('when a code is exchanged by another registered client, then invalid_grant (codes are bound to their client)', async () => {
    await broker.app.t.deps.database.prisma.cliClient.create({ data: { id: 'other-cli', name: 'Other CLI' } });
    const { code, verifier, redirectUri } = await freshCode();
    const res = await exchange({ client_id: 'other-cli', code, code_verifier: verifier, redirect_uri: redirectUri });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/another client/) as string },
    });
  });

  it('when grant_type is missing or unknown, or the body is JSON or repeats a parameter, then the matching OAuth error', async () => {
    expect(await oauthPost(broker, '/oauth/token', { client_id: 'rolegate-cli' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await oauthPost(broker, '/oauth/token', { grant_type: 'password', client_id: 'rolegate-cli' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    const json = await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/x-www-form-urlencoded/) as string,
    });
    const repeated = await fetch(`${broker.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&grant_type=authorization_code&client_id=rolegate-cli',
    });
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request', error_description: 'Parameter grant_type is repeated' });
  });

  it('when a code is older than its lifetime, then invalid_grant', async () => {
    const shortLived = await startCliBroker({ ROLEGATE_CLI_AUTHORIZATION_CODE_TTL_MS: '1000' });
    try {
      const browser = await signedInBrowser(shortLived, 'alice');
      const { verifier, challenge } = pkcePair();
      const params = authorizeParams(challenge);
      const back = await approveInBrowser(browser, authorizeUrl(shortLived, params));
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // outlive the code (1 s), not synchronisation
      const res = await oauthPost(shortLived, '/oauth/token', {
        grant_type: 'authorization_code',
        client_id: 'rolegate-cli',
        code: back.searchParams.get('code') ?? '',
        code_verifier: verifier,
        redirect_uri: params.redirect_uri,
      });
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    } finally {
      await shortLived.close();
    }
  }, 30_000);

  it('when the server metadata is fetched, then it lists every endpoint, S256 only and public clients (RFC 8414)', async () => {
    const res = await fetch(`${broker.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: broker.url,
      authorization_endpoint: `${broker.url}/oauth/authorize`,
      token_endpoint: `${broker.url}/oauth/token`,
      device_authorization_endpoint: `${broker.url}/oauth/device_authorization`,
      revocation_endpoint: `${broker.url}/oauth/revoke`,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, formField } from '../support/browser.js';
import { bearer, oauthPost, signedInBrowser, startCliBroker, type CliBroker } from '../support/cli-broker.js';
import { auditRows } from '../support/login-app.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

let broker: CliBroker;

beforeAll(async () => {
  broker = await startCliBroker({ ROLEGATE_CLI_DEVICE_CODE_TTL_MS: '60000' });
});
afterAll(async () => {
  await broker.close();
});

const start = async (deviceName = 'build-box-7') => {
  const res = await oauthPost(broker, '/oauth/device_authorization', { client_id: 'rolegate-cli', device_name: deviceName });
  expect(res.status).toBe(200);
  return res.body as {
    device_code: string;
    user_code: string;
    verification_uri: string;
    verification_uri_complete: string;
    interval: number;
  };
};
const poll = (deviceCode: string, clientId = 'rolegate-cli') =>
  oauthPost(broker, '/oauth/token', { grant_type: DEVICE_GRANT, client_id: clientId, device_code: deviceCode });

/** Opens the verification page for a code (as typed, or via verification_uri_complete) and answers it. */
async function answer(browser: Browser, userCode: string, decision: 'approve' | 'deny') {
  const page = await browser.request(`${broker.url}/device?user_code=${encodeURIComponent(userCode)}`, {
    headers: { accept: 'text/html' },
  });
  expect(page.status).toBe(200);
  const html = await page.text();
  return browser.request(`${broker.url}/device`, {
    method: 'POST',
    form: { _csrf: formField(html, '_csrf') ?? '', user_code: formField(html, 'user_code') ?? '', decision },
    headers: { accept: 'text/html' },
  });
}

describe('device authorization grant (RFC 8628)', () => {
  it('when the CLI starts, then it gets a device code, a short unambiguous user code and the verification URIs', async () => {
    const body = await start();
    expect(body.device_code).toMatch(/^rgdc_[A-Za-z0-9_-]{43}$/);
    expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(body.verification_uri).toBe(`${broker.url}/device`);
    expect(body.verification_uri_complete).toBe(`${broker.url}/device?user_code=${body.user_code}`);
    expect(body).toMatchObject({ expires_in: 60, interval: 1 });
  });

  it('when the user confirms the code on the portal, then the next poll gets tokens, once', async () => {
    const { device_code, user_code } = await start('ci-runner-3');
    expect(await poll(device_code)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });
    const alice = await signedInBrowser(broker, 'alice');
    const page = await (await alice.request(`${broker.url}/device?user_code=${user_code.toLowerCase().replace('-', ' ')}`)).text();
    expect(page).toContain(`Allow the rolegate CLI on the machine that shows ${user_code}?`);
    expect(page).toContain('ci-runner-3');
    expect(page).toContain('rolegate CLI');
    const done = await answer(alice, user_code, 'approve');
    expect(await done.text()).toContain('Return to your terminal');
    const tokens = await poll(device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.headers.get('cache-control')).toBe('no-store');
    expect(tokens.body).toMatchObject({ token_type: 'Bearer' });
    const me = await fetch(`${broker.url}/api/v1/me`, { headers: bearer(tokens.body.access_token) });
    expect(await me.json()).toMatchObject({ username: 'alice', cliSession: { deviceName: 'ci-runner-3' } });
    expect(await poll(device_code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const row = (await auditRows(broker.app.t, 'cli.authorize')).find((r) => (r.details as { flow?: string }).flow === 'device');
    expect(row).toMatchObject({ outcome: 'success', subject: 'corp:u-alice-0001' });
  });

  it('when the CLI polls faster than the interval, then slow_down, and the interval grows by 5 s from then on', async () => {
    const { device_code } = await start();
    expect((await poll(device_code)).body.error).toBe('authorization_pending');
    const fast = await poll(device_code);
    expect(fast).toMatchObject({
      status: 400,
      body: { error: 'slow_down', error_description: expect.stringMatching(/6 seconds/) as string },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the old interval, which no longer suffices
    expect(await poll(device_code)).toMatchObject({
      body: { error: 'slow_down', error_description: expect.stringMatching(/11 seconds/) as string },
    });
  });

  it('when the user denies, then the poll gets access_denied and the denial is audited', async () => {
    const { device_code, user_code } = await start();
    const bob = await signedInBrowser(broker, 'bob');
    expect(await (await answer(bob, user_code, 'deny')).text()).toContain('was not signed in');
    expect(await poll(device_code)).toMatchObject({ status: 400, body: { error: 'access_denied' } });
    const denied = (await auditRows(broker.app.t, 'cli.authorize')).filter((r) => r.outcome === 'denied');
    expect(denied.some((r) => r.subject === 'corp:u-bob-0002' && r.reason === 'the user denied the device code')).toBe(true);
  });

  it('when the device code expires, then the poll gets expired_token and the user code no longer works', async () => {
    const quick = await startCliBroker({ ROLEGATE_CLI_DEVICE_CODE_TTL_MS: '1000' });
    try {
      const res = await oauthPost(quick, '/oauth/device_authorization', { client_id: 'rolegate-cli' });
      const { device_code, user_code } = res.body as { device_code: string; user_code: string };
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // outlive the code (1 s), not synchronisation
      const expired = await oauthPost(quick, '/oauth/token', { grant_type: DEVICE_GRANT, client_id: 'rolegate-cli', device_code });
      expect(expired).toMatchObject({ status: 400, body: { error: 'expired_token' } });
      const alice = await signedInBrowser(quick, 'alice');
      const page = await alice.request(`${quick.url}/device?user_code=${user_code}`);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('not valid or has expired');
    } finally {
      await quick.close();
    }
  }, 30_000);

  it('when the device code is unknown or belongs to another client, then invalid_grant', async () => {
    expect(await poll('rgdc_' + 'B'.repeat(43))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    await broker.app.t.deps.database.prisma.cliClient.upsert({
      where: { id: 'other-cli' },
      create: { id: 'other-cli', name: 'Other' },
      update: {},
    });
    const { device_code } = await start();
    expect(await poll(device_code, 'other-cli')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await poll(device_code, 'nobody')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('when a code is answered twice, then the second answer is refused', async () => {
    const { user_code } = await start();
    const carol = await signedInBrowser(broker, 'carol');
    const page = await (await carol.request(`${broker.url}/device?user_code=${user_code}`)).text();
    const form = { _csrf: formField(page, '_csrf') ?? '', user_code, decision: 'approve' };
    expect((await carol.request(`${broker.url}/device`, { method: 'POST', form })).status).toBe(200);
    const again = await carol.request(`${broker.url}/device`, { method: 'POST', form });
    expect(again.status).toBe(400);
  });

  it('when the confirmation is posted without the CSRF token, then it is refused and the code stays pending', async () => {
    const { device_code, user_code } = await start();
    const alice = await signedInBrowser(broker, 'alice');
    const res = await alice.request(`${broker.url}/device`, { method: 'POST', form: { user_code, decision: 'approve' } });
    expect(res.status).toBe(403);
    expect((await poll(device_code)).body.error).toBe('authorization_pending');
  });

  it('when nobody is signed in, then the verification page sends the browser to sign in and back', async () => {
    const { user_code } = await start();
    const res = await new Browser().request(`${broker.url}/device?user_code=${user_code}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/login?returnTo=${encodeURIComponent(`/device?user_code=${user_code}`)}`);
  });

  it('when someone guesses user codes, then after 5 wrong ones they are refused with 429 even for a right code', async () => {
    const { user_code } = await start();
    const guesser = await signedInBrowser(broker, 'bob');
    for (const guess of ['BCDF-GHJK', 'BCDF-GHJL', 'bcdfghjm', 'AAAA-AAAA', 'BCDF-GHJN']) {
      const res = await guesser.request(`${broker.url}/device?user_code=${guess}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('not valid or has expired');
    }
    const blocked = await guesser.request(`${broker.url}/device?user_code=${user_code}`, { headers: { accept: 'text/html' } });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('900');
    expect(await blocked.text()).toContain('Too many wrong codes');
  });

  it('when the device endpoint gets no client_id, then invalid_request', async () => {
    expect(await oauthPost(broker, '/oauth/device_authorization', {})).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('the verification page shows who asked for the code (RFC 8628 §5.4)', () => {
  let behindProxy: CliBroker;
  beforeAll(async () => {
    // Behind a trusted proxy on loopback: X-Forwarded-For names the client, as it would in production.
    behindProxy = await startCliBroker({ ROLEGATE_CLI_DEVICE_CODE_TTL_MS: '60000', ROLEGATE_TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await behindProxy.close();
  });

  const hostileAgent = `rolegate-cli/9.9 <script>alert(1)</script> "quoted" ${'x'.repeat(600)}`;

  async function requestCode(target: CliBroker, headers: Record<string, string>) {
    const res = await fetch(`${target.url}/oauth/device_authorization`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ client_id: 'rolegate-cli', device_name: 'build-box-7' }).toString(),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { device_code: string; user_code: string };
  }

  async function approver(target: CliBroker, user: string, headers: Record<string, string>) {
    const browser = await signedInBrowser(target, user);
    Object.assign(browser.headers, headers);
    return browser;
  }

  it('when the code is requested from one address and confirmed from another, then the page names both, the program and the age, and warns visibly', async () => {
    const { device_code, user_code } = await requestCode(behindProxy, { 'x-forwarded-for': '203.0.113.9', 'user-agent': hostileAgent });
    const alice = await approver(behindProxy, 'alice', { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'Firefox/999' });
    const res = await alice.request(`${behindProxy.url}/device?user_code=${user_code}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/<p class="warning" role="alert" id="device-address-warning">/);
    expect(page).toContain('requested from another network address (203.0.113.9) than the one your browser uses (198.51.100.7)');
    expect(page).toContain('<code>203.0.113.9</code> (your browser: <code>198.51.100.7</code>)');
    expect(page).toMatch(/<dd>\d+ seconds? ago \(/);
    // The User-Agent is the requester's to choose: escaped and cut short.
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('rolegate-cli/9.9 &lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; xxx');
    expect(page).not.toContain('x'.repeat(300));
    expect(page).toContain('…</code>');

    const form = { _csrf: formField(page, '_csrf') ?? '', user_code, decision: 'approve' };
    expect((await alice.request(`${behindProxy.url}/device`, { method: 'POST', form })).status).toBe(200);
    const tokens = await oauthPost(behindProxy, '/oauth/token', { grant_type: DEVICE_GRANT, client_id: 'rolegate-cli', device_code });
    expect(tokens.status).toBe(200);
    const row = (await auditRows(behindProxy.app.t, 'cli.authorize')).find(
      (r) => r.outcome === 'success' && (r.details as { flow?: string }).flow === 'device',
    );
    expect(row?.details).toMatchObject({
      requester: { sourceIp: '203.0.113.9', userAgent: hostileAgent.slice(0, 512) },
      approver: { sourceIp: '198.51.100.7', userAgent: 'Firefox/999' },
    });
  });

  it('when the code is requested and confirmed from the same address, then there is no warning', async () => {
    const { user_code } = await requestCode(behindProxy, { 'x-forwarded-for': '::ffff:198.51.100.8', 'user-agent': 'rolegate-cli/1.0' });
    const carol = await approver(behindProxy, 'carol', { 'x-forwarded-for': '198.51.100.8' });
    const page = await (await carol.request(`${behindProxy.url}/device?user_code=${user_code}`)).text();
    expect(page).toContain('Requested from');
    expect(page).toContain('<code>rolegate-cli/1.0</code>');
    expect(page).not.toContain('device-address-warning');
  });

  it('when the user denies a code requested from elsewhere, then the denial row names the requester and the approver', async () => {
    const { user_code } = await requestCode(behindProxy, { 'x-forwarded-for': '203.0.113.10', 'user-agent': 'curl/8' });
    const bob = await approver(behindProxy, 'bob', { 'x-forwarded-for': '198.51.100.9', 'user-agent': 'Safari/1' });
    const page = await (await bob.request(`${behindProxy.url}/device?user_code=${user_code}`)).text();
    const form = { _csrf: formField(page, '_csrf') ?? '', user_code, decision: 'deny' };
    expect((await bob.request(`${behindProxy.url}/device`, { method: 'POST', form })).status).toBe(200);
    const row = (await auditRows(behindProxy.app.t, 'cli.authorize')).find(
      (r) => r.outcome === 'denied' && (r.details as { requester?: { sourceIp?: string } }).requester?.sourceIp === '203.0.113.10',
    );
    expect(row).toMatchObject({ subject: 'corp:u-bob-0002', sourceIp: '198.51.100.9', userAgent: 'Safari/1' });
    expect(row?.details).toMatchObject({
      requester: { sourceIp: '203.0.113.10', userAgent: 'curl/8' },
      approver: { sourceIp: '198.51.100.9', userAgent: 'Safari/1' },
    });
  });

  it('when no proxy is trusted, then a forwarded address sent by the requester is ignored', async () => {
    const { user_code } = await requestCode(broker, { 'x-forwarded-for': '198.51.100.77' });
    const alice = await approver(broker, 'alice', {});
    const page = await (await alice.request(`${broker.url}/device?user_code=${user_code}`)).text();
    expect(page).not.toContain('198.51.100.77');
    expect(page).toContain('<code>127.0.0.1</code> (your browser: <code>127.0.0.1</code>)');
    expect(page).not.toContain('device-address-warning');
  });
});

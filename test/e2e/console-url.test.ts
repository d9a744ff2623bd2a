import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleUrlResponse } from '../../src/contracts/console-url.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { auditRows } from '../support/login-app.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

let world: ExchangeWorld;
let proxy: FaultProxy;
let alice: SignedIn;
let bob: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld(async (devstack) => {
    // Every getSigninToken goes through a proxy that can fail on demand.
    proxy = await FaultProxy.start(devstack.stsUrl);
    return { ROLEGATE_FEDERATION_ENDPOINT: `${proxy.url}/federation` };
  });
  [alice, bob] = await Promise.all([world.signIn('alice'), world.signIn('bob')]);
}, 90_000);
afterAll(async () => {
  await world.close();
  await proxy.close();
});

async function consoleUrl(user: SignedIn, body: Record<string, unknown>) {
  const res = await user.api('/api/v1/console-url', { method: 'POST', body });
  return { res, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/v1/console-url', () => {
  it('when alice asks for Developer in sandbox, then she gets a login URL for the account region console, issued by the portal, not stored', async () => {
    const { res, json } = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = json as unknown as ConsoleUrlResponse;
    expect(body).toMatchObject({ account: { id: SANDBOX, alias: 'sandbox', partition: 'aws' }, role: { name: 'Developer' }, notes: [] });
    const url = new URL(body.url);
    expect(url.origin + url.pathname).toBe(`${proxy.url}/federation`);
    expect(url.searchParams.get('Action')).toBe('login');
    expect(url.searchParams.get('Issuer')).toBe(`${world.app.url}/portal`);
    expect(url.searchParams.get('Destination')).toBe('https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1');
    expect(url.searchParams.get('SigninToken')).toMatch(/^[\w-]{40,}$/);
    // No credentials in the URL.
    expect(body.url).not.toMatch(/sessionKey|sessionToken|ASIA/);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    const row = (await auditRows(world.app.t, 'console.url_issued')).at(-1);
    expect(row).toMatchObject({ outcome: 'success', subject: 'demo:alice', accountId: SANDBOX });
    expect(row?.details).toMatchObject({ destination: 'https://us-east-1.console.aws.amazon.com/console/home' });
    // The sign-in token never reaches a log line.
    const token = url.searchParams.get('SigninToken') ?? '';
    expect(JSON.stringify(world.app.t.logs.lines())).not.toContain(token);
  });

  it('when the token is redeemed at the federation endpoint, then it signs in once and refuses a second use', async () => {
    const { json } = await consoleUrl(alice, { alias: 'sandbox', role: 'ReadOnly', destination: '/ec2/home?region=us-east-1' });
    const url = new URL((json as unknown as ConsoleUrlResponse).url);
    expect(url.searchParams.get('Destination')).toBe('https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1');
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
  });

  it('when the destination is another site, then it is refused with a clear 400 and nothing is issued', async () => {
    const before = (await auditRows(world.app.t, 'credentials.issue')).length;
    for (const destination of [
      'https://evil.example',
      '//evil.example/x',
      'https://console.aws.amazon.com.evil.example/',
      'http://console.aws.amazon.com/',
    ]) {
      const { res, json } = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer', destination });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(json).toMatchObject({ code: 'invalid_request' });
      expect(String(json.detail)).toMatch(
        /^The console destination (must be on console\.aws\.amazon\.com|must be an https URL|must be an absolute https URL)/,
      );
    }
    expect((await auditRows(world.app.t, 'credentials.issue')).length).toBe(before);
  });

  it('when a deep link names a regional console host of the partition, then it is kept', async () => {
    const { res, json } = await consoleUrl(alice, {
      accountId: SANDBOX,
      role: 'Developer',
      destination: 'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    });
    expect(res.status).toBe(200);
    expect(new URL((json as unknown as ConsoleUrlResponse).url).searchParams.get('Destination')).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1',
    );
  });

  it('when a console session length is asked for, then SessionDuration is sent, capped at what the role allows', async () => {
    const { res, json } = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 7200 });
    expect(res.status).toBe(200);
    expect(json).toMatchObject({ sessionDurationSeconds: 7200, notes: [] });
    const readOnly = await consoleUrl(alice, { alias: 'prod', role: 'ReadOnly', durationSeconds: 43_200 });
    const max = (readOnly.json as unknown as ConsoleUrlResponse).sessionDurationSeconds ?? 0;
    expect(max).toBeLessThanOrEqual(43_200);
    const row = (await auditRows(world.app.t, 'console.url_issued')).find((r) => r.durationSeconds === 7200);
    expect(row).toBeDefined();
  });

  it('when alice is not entitled to the role, then 403 role_not_entitled', async () => {
    const { res, json } = await consoleUrl(alice, { alias: 'prod', role: 'Admin' });
    expect(res.status).toBe(403);
    expect(json).toMatchObject({ code: 'role_not_entitled' });
  });

  it('when bob asks for the break-glass role without a justification, then nothing is issued; with one, the URL is issued and audited', async () => {
    const refused = await consoleUrl(bob, { alias: 'prod', role: 'BreakGlass' });
    expect(refused.res.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'invalid_request', reason: 'justification_required' });
    const justification = 'INC-815: the console is needed to stop a runaway job';
    const granted = await consoleUrl(bob, { alias: 'prod', role: 'BreakGlass', justification });
    expect(granted.res.status).toBe(200);
    const issue = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob').at(-1);
    expect(issue?.details).toMatchObject({ breakGlass: true, justification });
    const row = (await auditRows(world.app.t, 'console.url_issued')).filter((r) => r.subject === 'demo:bob').at(-1);
    expect(row).toMatchObject({ outcome: 'success' });
  });

  it('when the federation endpoint refuses getSigninToken, then 502 federation_failed says what it said', async () => {
    proxy.faults.push({ status: 400, code: 'InvalidSession', message: 'nope' });
    const { res, json } = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer' });
    expect(res.status).toBe(502);
    expect(json).toMatchObject({ code: 'federation_failed', title: 'The AWS console sign-in endpoint refused the request' });
    expect(String(json.detail)).toContain('refused getSigninToken with HTTP 400');
    const row = (await auditRows(world.app.t, 'console.url_issued')).at(-1);
    expect(row).toMatchObject({ outcome: 'error' });
  });

  it('when the federation endpoint fails or is down, then 503 dependency_unavailable with Retry-After', async () => {
    proxy.faults.push({ status: 500, code: 'InternalFailure', message: 'boom' });
    const failing = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer' });
    expect(failing.res.status).toBe(503);
    expect(String(failing.json.detail)).toContain('failed with HTTP 500');
    proxy.dropNext = 1;
    const down = await consoleUrl(alice, { alias: 'sandbox', role: 'Developer' });
    expect(down.res.status).toBe(503);
    expect(down.res.headers.get('retry-after')).toBe('5');
    expect(down.json).toMatchObject({ code: 'dependency_unavailable' });
    expect(String(down.json.detail)).toMatch(/console sign-in endpoint \(127\.0\.0\.1:\d+\) is unreachable/);
  });

  it('when the body is malformed or the caller is not signed in, then 400 / 401', async () => {
    expect((await consoleUrl(alice, { alias: 'sandbox', accountId: SANDBOX, role: 'Developer' })).res.status).toBe(400);
    expect((await consoleUrl(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 60 })).res.status).toBe(400);
    const anonymous = await fetch(`${world.app.url}/api/v1/console-url`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('the portal when a dependency is down', () => {
  it('when the federation endpoint is down and a browser clicks Console, then it gets a friendly 503 page, not JSON', async () => {
    proxy.dropNext = 1;
    const res = await alice.browser.request(`${world.app.url}/portal/console`, {
      method: 'POST',
      headers: { accept: 'text/html,application/xhtml+xml' },
      form: { _csrf: alice.csrfToken, accountId: SANDBOX, role: 'Developer' },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('rolegate is having trouble right now');
    expect(page).toMatch(/console sign-in endpoint \(127\.0\.0\.1:\d+\) is unreachable/);
    expect(page).toContain('Signed in as');
  });

  it('when a portal form asks for a role the user is not entitled to, then a 403 page says so and links back to the roles', async () => {
    const res = await alice.browser.request(`${world.app.url}/portal/credentials`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      form: { _csrf: alice.csrfToken, accountId: '222222222222', role: 'Admin' },
    });
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain('You are not entitled to this role');
    expect(page).toContain('<a href="/portal">Back to your roles</a>');
  });

  it('when a portal form comes without the CSRF token, then it is refused and nothing is issued', async () => {
    const before = (await auditRows(world.app.t, 'credentials.issue')).length;
    const res = await alice.browser.request(`${world.app.url}/portal/credentials`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      form: { accountId: SANDBOX, role: 'Developer' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Missing or wrong CSRF token');
    expect((await auditRows(world.app.t, 'credentials.issue')).length).toBe(before);
  });
});

describe('POST /api/v1/console-url for a chained session', () => {
  let chained: ExchangeWorld;
  beforeAll(async () => {
    // rolegate's own credentials are role credentials: assume-role is role chaining.
    chained = await startExchangeWorld({ ROLEGATE_AWS_CALLER_IS_ROLE: 'true' });
  }, 90_000);
  afterAll(async () => {
    await chained.close();
  });

  it('when a console session length is asked for an assume-role role, then SessionDuration is not sent and a note says why', async () => {
    const user = await chained.signIn('alice');
    const res = await user.api('/api/v1/console-url', {
      method: 'POST',
      body: { alias: 'sandbox', role: 'BrokerDeveloper', durationSeconds: 7200 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ConsoleUrlResponse;
    expect(body.sessionDurationSeconds).toBeUndefined();
    expect(body.notes).toEqual([expect.stringMatching(/^SessionDuration was not sent: the credentials come from role chaining/)]);
  });
});

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from '../support/browser.js';
import { formField } from '../support/browser.js';
import { approveInBrowser, bearer, oauthPost, signedInBrowser, startCliBroker, type CliBroker } from '../support/cli-broker.js';
import { cliHome, runCli, startCli, type CliHome } from '../support/cli-process.js';
import { auditRows } from '../support/login-app.js';
import { freePort } from '../support/ports.js';

let broker: CliBroker;
let alice: Browser;

beforeAll(async () => {
  broker = await startCliBroker();
  alice = await signedInBrowser(broker, 'alice');
});
afterAll(async () => {
  await broker.close();
});

interface Tokens {
  broker: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  deviceName: string;
  user?: { id: string; username: string };
}
const tokensOf = (home: CliHome) => JSON.parse(readFileSync(path.join(home.configDir, 'tokens.json'), 'utf8')) as Tokens;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Confirms a device code on the portal's verification page, as the signed-in user would. */
async function confirmDeviceCode(browser: Browser, userCode: string, decision: 'approve' | 'deny' = 'approve') {
  const page = await (await browser.request(`${broker.url}/device?user_code=${userCode}`, { headers: { accept: 'text/html' } })).text();
  const res = await browser.request(`${broker.url}/device`, {
    method: 'POST',
    form: { _csrf: formField(page, '_csrf') ?? '', user_code: formField(page, 'user_code') ?? '', decision },
  });
  expect(res.status).toBe(200);
}

/** `rolegate login --no-browser` for `browser`'s user; returns the home it signed in. */
async function deviceLogin(browser: Browser, deviceName = 'ci-box'): Promise<CliHome> {
  const home = cliHome();
  const cli = startCli(['login', '--broker', broker.url, '--no-browser', '--device-name', deviceName], home);
  const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
  await confirmDeviceCode(browser, userCode);
  const result = await cli.exit();
  expect(result.code, result.stderr).toBe(0);
  return home;
}

describe('rolegate login', () => {
  it('when run with --no-browser, then it shows a code, the user confirms it on the portal, and it prints who signed in', async () => {
    const home = cliHome();
    const cli = startCli(['login', '--broker', broker.url, '--no-browser', '--device-name', 'build-agent-1'], home);
    const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
    expect(cli.stderr()).toContain(`${broker.url}/device`);
    expect(cli.stderr()).toContain(`${broker.url}/device?user_code=${userCode}`);
    await confirmDeviceCode(alice, userCode);
    const { code, stdout, stderr } = await cli.exit();
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`Signed in to ${broker.url} as alice (Alice Admin, alice@corp.example) via corp.`);
    expect(stdout).toContain('Groups: aws-admins, aws-dev');
    // Tokens: 0600 in a 0700 directory, with who and which machine.
    const file = path.join(home.configDir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home.configDir).mode & 0o777).toBe(0o700);
    expect(tokensOf(home)).toMatchObject({ broker: broker.url, deviceName: 'build-agent-1', user: { username: 'alice' } });
    // --broker is remembered as the default, so later commands (and the next login) need no flag.
    expect(JSON.parse(readFileSync(path.join(home.configDir, 'config.json'), 'utf8'))).toEqual({ broker: broker.url });
    expect(statSync(path.join(home.configDir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(stderr).toContain(`Saved ${broker.url} as the default broker`);
    // The portal lists it with the machine name the CLI sent.
    const { sessions } = (await (await alice.request(`${broker.url}/api/v1/cli-sessions`)).json()) as {
      sessions: Record<string, unknown>[];
    };
    expect(sessions).toContainEqual(expect.objectContaining({ deviceName: 'build-agent-1', flow: 'device' }));
    // Nothing secret on stderr.
    expect(stderr).not.toContain(tokensOf(home).refreshToken);
    expect(stderr).not.toContain(tokensOf(home).accessToken);
  });

  it('when a browser can be opened, then the loopback flow runs: the browser approves and is sent to the CLI listener', async () => {
    const home = cliHome({ BROWSER: 'true' }); // an opener that "opens" and exits 0; the test plays the browser
    const cli = startCli(['login', '--broker', broker.url, '--device-name', 'alice-laptop'], home);
    const [url = ''] = await cli.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/, 'the authorization URL');
    const authorize = new URL(url);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const back = await approveInBrowser(alice, url);
    const landing = await fetch(back);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('You can close this tab');
    const { code, stdout, stderr } = await cli.exit();
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('as alice');
    expect(tokensOf(home).deviceName).toBe('alice-laptop');
    const whoami = await runCli(['whoami'], home);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain(`Signed in to ${broker.url} as alice`);
    expect(whoami.stdout).toContain('CLI session: alice-laptop');
  });

  it('when the user denies in the browser, then login exits 9 saying so, and stores nothing', async () => {
    const home = cliHome({ BROWSER: 'true' });
    const cli = startCli(['login', '--broker', broker.url], home);
    const [url = ''] = await cli.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/, 'the authorization URL');
    await fetch(await approveInBrowser(alice, url, 'deny'));
    const { code, stderr } = await cli.exit();
    expect(code).toBe(9);
    expect(stderr).toContain('rolegate: the sign-in was denied in the browser');
    expect(existsSync(path.join(home.configDir, 'tokens.json'))).toBe(false);
  });

  it('when a local page sends the listener an answer with another state, then it is ignored and the real answer still wins', async () => {
    const home = cliHome({ BROWSER: 'true' });
    const cli = startCli(['login', '--broker', broker.url], home);
    const [url = ''] = await cli.waitForStderr(/http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+/, 'the authorization URL');
    const back = await approveInBrowser(alice, url);
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged');
    forged.searchParams.set('code', 'rgac_forged');
    expect((await fetch(forged)).status).toBe(400);
    await fetch(back);
    expect((await cli.exit()).code).toBe(0);
  });

  it('when the browser opener fails, then login falls back to the device code flow', async () => {
    const home = cliHome({ BROWSER: 'false' });
    const cli = startCli(['login', '--broker', broker.url], home);
    const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
    expect(cli.stderr()).toContain('Could not open a browser here; signing in with a code instead.');
    await confirmDeviceCode(alice, userCode);
    expect((await cli.exit()).code).toBe(0);
  });

  it('when the device code is denied on the portal, then login exits 9 saying so', async () => {
    const home = cliHome();
    const cli = startCli(['login', '--broker', broker.url, '--no-browser'], home);
    const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
    await confirmDeviceCode(alice, userCode, 'deny');
    const { code, stderr } = await cli.exit();
    expect(code).toBe(9);
    expect(stderr).toContain('the sign-in was denied on the rolegate portal');
  });

  it('when someone signs in again, then the previous CLI session is revoked and cached credentials are dropped', async () => {
    const home = await deviceLogin(alice, 'relogin');
    const first = tokensOf(home);
    mkdirSync(path.join(home.configDir, 'cache'), { mode: 0o700 });
    writeFileSync(path.join(home.configDir, 'cache', 'x.json'), '{}', { mode: 0o600 });
    const cli = startCli(['login', '--no-browser'], home); // the broker of the current sign-in
    const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
    await confirmDeviceCode(alice, userCode);
    expect((await cli.exit()).code).toBe(0);
    expect(tokensOf(home).refreshToken).not.toBe(first.refreshToken);
    expect(existsSync(path.join(home.configDir, 'cache'))).toBe(false);
    expect((await fetch(`${broker.url}/api/v1/me`, { headers: bearer(first.accessToken) })).status).toBe(401);
  });
});

describe('tokens after login', () => {
  it('when the access token is near expiry, then the CLI refreshes it (rotation) before calling the API', async () => {
    const home = await deviceLogin(alice);
    const before = tokensOf(home);
    writeFileSync(path.join(home.configDir, 'tokens.json'), JSON.stringify({ ...before, accessTokenExpiresAt: Date.now() + 30_000 }), {
      mode: 0o600,
    });
    const { code, stderr } = await runCli(['whoami', '--debug'], home);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('refreshing the access token');
    const after = tokensOf(home);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 800_000);
    expect(statSync(path.join(home.configDir, 'tokens.json')).mode & 0o777).toBe(0o600);
    // The old refresh token is spent.
    const reuse = await oauthPost(broker, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'rolegate-cli',
      refresh_token: before.refreshToken,
    });
    expect(reuse.body.error).toBe('invalid_grant');
    // --debug never prints tokens.
    expect(stderr).not.toContain(after.refreshToken);
    expect(stderr).not.toContain(before.refreshToken);
  });

  it('when the broker no longer knows a valid-looking access token (Redis lost it), then the CLI refreshes once and succeeds', async () => {
    const home = await deviceLogin(alice, 'redis-restarted');
    const before = tokensOf(home);
    await broker.app.t.deps.kv.delete(`cli-at:${sha256(before.accessToken)}`);
    const { code, stderr } = await runCli(['whoami', '--debug'], home);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('the broker refused the access token; refreshing once');
    expect(tokensOf(home).accessToken).not.toBe(before.accessToken);
  });

  it('when ten processes start at once with an expired access token, then exactly one refresh happens and all succeed', async () => {
    const home = await deviceLogin(alice, 'parallel');
    const before = tokensOf(home);
    writeFileSync(path.join(home.configDir, 'tokens.json'), JSON.stringify({ ...before, accessTokenExpiresAt: Date.now() - 1000 }), {
      mode: 0o600,
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => runCli(['whoami'], home)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const prisma = broker.app.t.deps.database.prisma;
    const grant = await prisma.cliToken.findUniqueOrThrow({ where: { tokenHash: sha256(before.refreshToken) } });
    // One original refresh token plus exactly one successor: one refresh, no reuse.
    expect(await prisma.cliToken.count({ where: { familyId: grant.familyId } })).toBe(2);
    expect(await prisma.cliGrant.findUniqueOrThrow({ where: { id: grant.familyId } })).toMatchObject({ revokedAt: null });
  }, 60_000);

  it('when the CLI session is revoked on the portal, then the next command exits 3 with the reason and says to run rolegate login', async () => {
    const home = await deviceLogin(alice, 'revoked-on-portal');
    const { sessions } = (await (await alice.request(`${broker.url}/api/v1/cli-sessions`)).json()) as {
      sessions: { id: string; deviceName: string }[];
    };
    const id = sessions.find((s) => s.deviceName === 'revoked-on-portal')?.id ?? '';
    const { csrfToken } = (await (await alice.request(`${broker.url}/api/v1/me`)).json()) as { csrfToken: string };
    expect(
      (await alice.request(`${broker.url}/api/v1/cli-sessions/${id}`, { method: 'DELETE', headers: { 'x-csrf-token': csrfToken } })).status,
    ).toBe(204);
    const { code, stdout, stderr } = await runCli(['whoami'], home);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^rolegate: the broker refused the CLI session: This CLI session was revoked \(revoked by the user on the portal\)/,
    );
    expect(stderr).toContain('hint: run `rolegate login`');
    expect(existsSync(path.join(home.configDir, 'tokens.json'))).toBe(false);
    const again = await runCli(['whoami'], home);
    expect(again).toMatchObject({ code: 3, stderr: expect.stringContaining(`you are not signed in to ${broker.url}`) as string });
  });
});

describe('rolegate logout', () => {
  it('when signed in, then it revokes the CLI session at the broker and deletes tokens and cached credentials', async () => {
    const home = await deviceLogin(alice, 'logout-box');
    const tokens = tokensOf(home);
    mkdirSync(path.join(home.configDir, 'cache'), { mode: 0o700 });
    writeFileSync(path.join(home.configDir, 'cache', 'a.json'), '{}', { mode: 0o600 });
    writeFileSync(path.join(home.configDir, 'cache', 'b.json'), '{}', { mode: 0o600 });
    const { code, stdout, stderr } = await runCli(['logout'], home);
    expect(code, stderr).toBe(0);
    expect(stdout).toBe(`Signed out of ${broker.url}: revoked the CLI session and deleted the local tokens and 2 cached credentials.\n`);
    expect(existsSync(path.join(home.configDir, 'tokens.json'))).toBe(false);
    expect(existsSync(path.join(home.configDir, 'cache'))).toBe(false);
    expect((await fetch(`${broker.url}/api/v1/me`, { headers: bearer(tokens.accessToken) })).status).toBe(401);
    const refresh = await oauthPost(broker, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'rolegate-cli',
      refresh_token: tokens.refreshToken,
    });
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await auditRows(broker.app.t, 'cli.revoke')).some((r) => r.reason === 'revoked by `rolegate logout`')).toBe(true);
    const whoami = await runCli(['whoami'], home);
    expect(whoami.code).toBe(3);
  });

  it('when the broker is unreachable, then logout still deletes everything locally, exits 0 and says the session could not be revoked', async () => {
    const home = await deviceLogin(alice, 'offline-logout');
    const tokens = tokensOf(home);
    const closed = `http://127.0.0.1:${String(await freePort())}`;
    writeFileSync(path.join(home.configDir, 'tokens.json'), JSON.stringify({ ...tokens, broker: closed }), { mode: 0o600 });
    const { code, stdout, stderr } = await runCli(['logout'], home);
    expect(code).toBe(0);
    expect(stdout).toBe('Signed out locally: deleted the local tokens.\n');
    expect(stderr).toContain(
      `rolegate: warning: could not revoke the CLI session at ${closed} (cannot reach the rolegate broker at ${closed}: connection refused`,
    );
    // The page that lists and revokes CLI sessions.
    expect(stderr).toContain(`to end it now, revoke it on the portal: ${closed}/portal/cli-sessions\n`);
    expect(existsSync(path.join(home.configDir, 'tokens.json'))).toBe(false);
  });

  it('when not signed in, then logout says so and exits 0', async () => {
    const { code, stdout } = await runCli(['logout'], cliHome());
    expect(code).toBe(0);
    expect(stdout).toBe('You were not signed in; deleted the local tokens.\n');
  });

  it('when asked for JSON, then logout prints what it did as JSON', async () => {
    const home = await deviceLogin(alice, 'json-logout');
    const { code, stdout } = await runCli(['logout', '--json'], home);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      signedOut: true,
      broker: broker.url,
      revoked: true,
      revokeError: null,
      deletedCachedCredentials: 0,
    });
  });
});

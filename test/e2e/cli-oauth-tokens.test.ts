import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAllCliGrantsOf } from '../../src/features/cli-auth/revoke.js';
import type { Browser } from '../support/browser.js';
import { bearer, cliTokensFor, oauthPost, signedInBrowser, startCliBroker, type CliBroker } from '../support/cli-broker.js';
import { auditRows } from '../support/login-app.js';
import { rawRedisGet } from '../support/redis.js';

let broker: CliBroker;
let alice: Browser;

beforeAll(async () => {
  broker = await startCliBroker();
  alice = await signedInBrowser(broker, 'alice');
});
afterAll(async () => {
  await broker.close();
});

const refresh = (token: unknown, clientId = 'rolegate-cli') =>
  oauthPost(broker, '/oauth/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(token) });
const me = (token: unknown) => fetch(`${broker.url}/api/v1/me`, { headers: bearer(token) });
const sha256 = (value: unknown) => createHash('sha256').update(String(value)).digest('hex');
const csrfOf = async (browser: Browser) =>
  ((await (await browser.request(`${broker.url}/api/v1/me`)).json()) as { csrfToken: string }).csrfToken;

describe('refresh tokens: rotation and reuse detection (RFC 9700 §4.14)', () => {
  it('when a refresh token is used, then new tokens come back, the old refresh token is spent and the old access token still works until it expires', async () => {
    const first = await cliTokensFor(broker, alice);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    expect(second.body.refresh_token_expires_in).toBeLessThanOrEqual(Number(first.refresh_token_expires_in));
    expect((await me(second.body.access_token)).status).toBe(200);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
  });

  it('when a rotated refresh token is presented again, then the whole family is revoked, every token stops working and it is audited', async () => {
    const first = await cliTokensFor(broker, alice, 'stolen-laptop');
    const second = await refresh(first.refresh_token);
    const reuse = await refresh(first.refresh_token);
    expect(reuse).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/already used/) as string },
    });
    // The legitimate holder's newer tokens are revoked too: nobody knows which copy is the thief's.
    expect(await refresh(second.body.refresh_token)).toMatchObject({
      status: 400,
      body: { error_description: expect.stringMatching(/revoked \(refresh token reuse detected\)/) as string },
    });
    expect((await me(second.body.access_token)).status).toBe(401);
    expect((await me(first.access_token)).status).toBe(401);
    const row = (await auditRows(broker.app.t, 'cli.refresh')).at(-1);
    expect(row).toMatchObject({ outcome: 'denied', subject: 'corp:u-alice-0001' });
    expect(row?.reason).toMatch(/reuse detected/);
    expect(row?.details).toMatchObject({ deviceName: 'stolen-laptop' });
  });

  it('when two refreshes race with one token, then exactly one gets tokens and the family is revoked (why the CLI serialises its refreshes)', async () => {
    const first = await cliTokensFor(broker, alice);
    const results = await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const winner = results.find((r) => r.status === 200);
    expect((await me(winner?.body.access_token)).status).toBe(401);
  });

  it('when the refresh token is unknown, malformed, or presented by another client, then invalid_grant / invalid_client', async () => {
    const tokens = await cliTokensFor(broker, alice);
    expect(await refresh('rgrt_' + 'C'.repeat(43))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh('garbage')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(tokens.refresh_token, 'nobody')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    await broker.app.t.deps.database.prisma.cliClient.upsert({
      where: { id: 'other-cli' },
      create: { id: 'other-cli', name: 'Other' },
      update: {},
    });
    expect(await refresh(tokens.refresh_token, 'other-cli')).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/another client/) as string },
    });
    // Refused presentations by another client do not spend the token.
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('when tokens are stored, then only their sha256 is at rest (database and Redis)', async () => {
    const tokens = await cliTokensFor(broker, alice);
    const prisma = broker.app.t.deps.database.prisma;
    expect(await prisma.cliToken.findUnique({ where: { tokenHash: sha256(tokens.refresh_token) } })).not.toBeNull();
    const rows = await prisma.cliToken.findMany();
    expect(JSON.stringify(rows)).not.toContain(String(tokens.refresh_token));
    expect(await rawRedisGet(`${broker.app.t.redisPrefix}cli-at:${sha256(tokens.access_token)}`)).toContain('corp:u-alice-0001');
    expect(await rawRedisGet(`${broker.app.t.redisPrefix}cli-at:${String(tokens.access_token)}`)).toBeNull();
    expect(broker.app.t.logs.text()).not.toContain(String(tokens.refresh_token));
    expect(broker.app.t.logs.text()).not.toContain(String(tokens.access_token));
  });

  it('when the grant ends with the sign-in that approved it, then refreshing after that is refused', async () => {
    const tokens = await cliTokensFor(broker, alice);
    await broker.app.t.deps.database.prisma.cliGrant.updateMany({
      where: { tokens: { some: { tokenHash: sha256(tokens.refresh_token) } } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await refresh(tokens.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/has ended/) as string },
    });
  });
});

describe('bearer tokens on the API', () => {
  it('when the token is wrong, then 401 login_required with WWW-Authenticate invalid_token and a hint to run rolegate login', async () => {
    for (const header of ['Bearer rgat_00000000000000000000000000000000_' + 'D'.repeat(43), 'Bearer nonsense', 'Bearer ']) {
      const res = await fetch(`${broker.url}/api/v1/me`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="rolegate", error="invalid_token"/);
      expect(await res.json()).toMatchObject({ code: 'login_required', detail: expect.stringContaining('Run `rolegate login`') as string });
    }
  });

  it('when a bad bearer token comes with a valid session cookie, then the token decides (401): a request is never half one caller', async () => {
    const cookie = `rolegate_session=${alice.cookie('rolegate_session') ?? ''}`;
    const res = await fetch(`${broker.url}/api/v1/me`, { headers: { cookie, authorization: 'Bearer nonsense' } });
    expect(res.status).toBe(401);
  });

  it('when nothing is sent, then 401 names both ways to sign in', async () => {
    const res = await fetch(`${broker.url}/api/v1/me`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="rolegate"');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/rolegate login/);
  });

  it('when a CLI caller deletes one of its sessions, then no CSRF token is needed (no ambient credential)', async () => {
    const one = await cliTokensFor(broker, alice, 'one');
    const two = await cliTokensFor(broker, alice, 'two');
    const list = (await (await fetch(`${broker.url}/api/v1/cli-sessions`, { headers: bearer(one.access_token) })).json()) as {
      sessions: { id: string; deviceName: string; current: boolean }[];
    };
    const other = list.sessions.find((s) => s.deviceName === 'two');
    expect(list.sessions.find((s) => s.current)?.deviceName).toBe('one');
    const res = await fetch(`${broker.url}/api/v1/cli-sessions/${other?.id ?? ''}`, {
      method: 'DELETE',
      headers: bearer(one.access_token),
    });
    expect(res.status).toBe(204);
    expect((await me(two.access_token)).status).toBe(401);
    expect((await me(one.access_token)).status).toBe(200);
  });
});

describe('CLI sessions on the portal', () => {
  it('when alice lists her CLI sessions, then she sees each with device, flow and times, and none of anybody else', async () => {
    const bob = await signedInBrowser(broker, 'bob');
    await cliTokensFor(broker, bob, 'bobs-box');
    await cliTokensFor(broker, alice, 'alice-list-test');
    const res = await alice.request(`${broker.url}/api/v1/cli-sessions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { sessions } = (await res.json()) as { sessions: Record<string, unknown>[] };
    const mine = sessions.find((s) => s.deviceName === 'alice-list-test');
    expect(mine).toMatchObject({ clientId: 'rolegate-cli', clientName: 'rolegate CLI', flow: 'loopback', current: false });
    expect(Date.parse(String(mine?.createdAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(String(mine?.lastUsedAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(String(mine?.expiresAt))).toBeGreaterThan(Date.now());
    expect(sessions.some((s) => s.deviceName === 'bobs-box')).toBe(false);
  });

  it('when alice revokes a CLI session from the portal, then CSRF is required, its tokens stop at once and it is audited', async () => {
    const tokens = await cliTokensFor(broker, alice, 'to-revoke');
    const { sessions } = (await (await alice.request(`${broker.url}/api/v1/cli-sessions`)).json()) as {
      sessions: { id: string; deviceName: string }[];
    };
    const id = sessions.find((s) => s.deviceName === 'to-revoke')?.id ?? '';
    expect((await alice.request(`${broker.url}/api/v1/cli-sessions/${id}`, { method: 'DELETE' })).status).toBe(403);
    const res = await alice.request(`${broker.url}/api/v1/cli-sessions/${id}`, {
      method: 'DELETE',
      headers: { 'x-csrf-token': await csrfOf(alice) },
    });
    expect(res.status).toBe(204);
    const after = await me(tokens.access_token);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { detail: string }).detail).toContain('Run `rolegate login`');
    expect(await refresh(tokens.refresh_token)).toMatchObject({
      body: { error_description: expect.stringMatching(/revoked by the user on the portal/) as string },
    });
    const row = (await auditRows(broker.app.t, 'cli.revoke')).find((r) => (r.details as { grantId?: string }).grantId === id);
    expect(row).toMatchObject({ outcome: 'success', subject: 'corp:u-alice-0001', reason: 'revoked by the user on the portal' });
  });

  it("when someone deletes another user's CLI session or an unknown id, then 404 and nothing changes", async () => {
    const tokens = await cliTokensFor(broker, alice, 'not-bobs');
    const { sessions } = (await (await alice.request(`${broker.url}/api/v1/cli-sessions`)).json()) as {
      sessions: { id: string; deviceName: string }[];
    };
    const id = sessions.find((s) => s.deviceName === 'not-bobs')?.id ?? '';
    const bob = await signedInBrowser(broker, 'bob');
    const res = await bob.request(`${broker.url}/api/v1/cli-sessions/${id}`, {
      method: 'DELETE',
      headers: { 'x-csrf-token': await csrfOf(bob) },
    });
    expect(res.status).toBe(404);
    const unknown = await bob.request(`${broker.url}/api/v1/cli-sessions/not-a-uuid`, {
      method: 'DELETE',
      headers: { 'x-csrf-token': await csrfOf(bob) },
    });
    expect(unknown.status).toBe(404);
    expect((await me(tokens.access_token)).status).toBe(200);
  });
});

describe('revocation endpoint (RFC 7009) and bulk revocation', () => {
  it('when the CLI revokes its refresh token, then 200, and the access and refresh tokens stop working at once', async () => {
    const tokens = await cliTokensFor(broker, alice);
    const res = await oauthPost(broker, '/oauth/revoke', {
      client_id: 'rolegate-cli',
      token: String(tokens.refresh_token),
      token_type_hint: 'refresh_token',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await me(tokens.access_token)).status).toBe(401);
    expect((await refresh(tokens.refresh_token)).body.error).toBe('invalid_grant');
    expect((await auditRows(broker.app.t, 'cli.revoke')).some((r) => r.reason === 'revoked by `rolegate logout`')).toBe(true);
  });

  it('when an access token is revoked, then its whole grant ends', async () => {
    const tokens = await cliTokensFor(broker, alice);
    expect((await oauthPost(broker, '/oauth/revoke', { client_id: 'rolegate-cli', token: String(tokens.access_token) })).status).toBe(200);
    expect((await refresh(tokens.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('when the token is unknown or garbage, then still 200 (RFC 7009 §2.2); a bad hint is unsupported_token_type', async () => {
    expect((await oauthPost(broker, '/oauth/revoke', { client_id: 'rolegate-cli', token: 'garbage' })).status).toBe(200);
    expect((await oauthPost(broker, '/oauth/revoke', { client_id: 'rolegate-cli', token: 'rgrt_' + 'E'.repeat(43) })).status).toBe(200);
    expect(await oauthPost(broker, '/oauth/revoke', { client_id: 'rolegate-cli', token: 'x', token_type_hint: 'id_token' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_token_type' },
    });
    expect(await oauthPost(broker, '/oauth/revoke', { client_id: 'nobody', token: 'x' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
  });

  it('when revokeAllCliGrantsOf is called (admin), then every CLI session of that user ends and one audit event lists them', async () => {
    const carol = await signedInBrowser(broker, 'carol');
    const a = await cliTokensFor(broker, carol, 'c1');
    const b = await cliTokensFor(broker, carol, 'c2');
    const count = await revokeAllCliGrantsOf(broker.app.t.deps.cliAuth, 'corp:u-carol-0003', { by: 'admin', actor: 'corp:admin' });
    expect(count).toBe(2);
    expect((await me(a.access_token)).status).toBe(401);
    expect((await me(b.access_token)).status).toBe(401);
    const row = (await auditRows(broker.app.t, 'cli.revoke')).find((r) => r.subject === 'corp:u-carol-0003');
    expect(row).toMatchObject({ reason: 'revoked by an administrator' });
    expect(row?.details).toMatchObject({ by: 'admin', actor: 'corp:admin' });
    expect(await revokeAllCliGrantsOf(broker.app.t.deps.cliAuth, 'corp:u-carol-0003', { by: 'admin' })).toBe(0);
  });
});

describe('portal sign-out and CLI sessions', () => {
  it('when a user signs out of the portal, then their CLI sessions keep working', async () => {
    const browser = await signedInBrowser(broker, 'bob');
    const tokens = await cliTokensFor(broker, browser);
    const res = await browser.request(`${broker.url}/auth/logout`, { method: 'POST', form: { _csrf: await csrfOf(browser) } });
    expect(res.status).toBe(200);
    expect((await me(tokens.access_token)).status).toBe(200);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('when a user signs out everywhere, then every browser session and every CLI session ends', async () => {
    const browser = await signedInBrowser(broker, 'bob');
    const other = await signedInBrowser(broker, 'bob');
    const tokens = await cliTokensFor(broker, browser);
    const res = await browser.request(`${broker.url}/auth/logout`, {
      method: 'POST',
      form: { _csrf: await csrfOf(browser), everywhere: '1' },
    });
    expect(res.status).toBe(200);
    expect((await me(tokens.access_token)).status).toBe(401);
    expect((await other.request(`${broker.url}/api/v1/me`)).status).toBe(401);
    expect((await auditRows(broker.app.t, 'cli.revoke')).some((r) => r.reason === 'revoked when the user signed out everywhere')).toBe(
      true,
    );
  });

  it('when a CLI bearer token is sent to the portal sign-out, then it does not count (cookie-only endpoint)', async () => {
    const tokens = await cliTokensFor(broker, alice);
    const res = await fetch(`${broker.url}/auth/logout`, { method: 'POST', headers: bearer(tokens.access_token) });
    expect(res.status).toBe(401);
    expect((await me(tokens.access_token)).status).toBe(200);
  });
});

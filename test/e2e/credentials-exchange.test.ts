import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import type { RolesResponse } from '../../src/contracts/roles.js';
import { stsClient } from '../support/devstack.js';
import { auditRows } from '../support/login-app.js';
import { rawRedisGet } from '../support/redis.js';
import { DEMO_MAPPINGS, PROD, SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

let world: ExchangeWorld;
let alice: SignedIn;
let bob: SignedIn;
let carol: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld();
  [alice, bob, carol] = await Promise.all([world.signIn('alice'), world.signIn('bob'), world.signIn('carol')]);
}, 90_000);
afterAll(async () => {
  await world.close();
});

async function credentials(user: SignedIn, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await user.api('/api/v1/credentials', { method: 'POST', body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function callerArn(c: CredentialsResponse['credentials']): Promise<string | undefined> {
  const client = stsClient(world.devstack.stsUrl, {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
  });
  return (await client.send(new GetCallerIdentityCommand({}))).Arn;
}

describe('GET /api/v1/roles', () => {
  it('when alice asks, then she sees exactly the roles her groups map to, grouped by account', async () => {
    const res = await alice.api('/api/v1/roles');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as RolesResponse;
    expect(body.accounts.map((a) => [a.alias, a.roles.map((r) => r.name), a.denied.length])).toEqual([
      ['prod', ['BrokerReadOnly', 'ReadOnly'], 0],
      ['sandbox', ['BrokerDeveloper', 'Developer', 'ReadOnly', 'WebIdentityDeveloper'], 0],
    ]);
    const developer = body.accounts[1]?.roles.find((r) => r.name === 'Developer');
    expect(developer).toMatchObject({ mode: 'saml', maxSessionSeconds: 43200, breakGlass: false, viaGroups: ['aws-dev'] });
  });

  it('when bob asks, then the break-glass role is flagged apart and Admin requires MFA', async () => {
    const body = (await (await bob.api('/api/v1/roles')).json()) as RolesResponse;
    expect(body.accounts).toHaveLength(1);
    expect(body.accounts[0]?.roles.map((r) => [r.name, r.breakGlass, r.mfaRequired])).toEqual([
      ['Admin', false, true],
      ['BreakGlass', true, false],
    ]);
  });

  it('when carol, who has no groups, asks, then she gets an empty list rather than an error', async () => {
    const res = await carol.api('/api/v1/roles');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accounts: [] });
  });

  it('when nobody is signed in, then it is 401 login_required', async () => {
    const res = await fetch(`${world.app.url}/api/v1/roles`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'login_required' });
  });
});

describe('POST /api/v1/credentials: the three exchange modes through the local STS', () => {
  it('when alice takes a saml role, then rolegate mints an assertion STS accepts and the session is hers', async () => {
    const { status, json } = await credentials(alice, { alias: 'sandbox', role: 'Developer' });
    expect(status).toBe(200);
    const body = json as unknown as CredentialsResponse;
    expect(body).toMatchObject({
      account: { id: SANDBOX, alias: 'sandbox' },
      role: { name: 'Developer' },
      durationSeconds: 3600,
      sessionName: 'alice',
      cached: false,
    });
    expect(body.credentials.accessKeyId).toMatch(/^ASIA/);
    expect(Date.parse(body.credentials.expiration) - Date.now()).toBeGreaterThan(3500_000);
    expect(await callerArn(body.credentials)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
  });

  it('when alice takes a web-identity role, then rolegate mints a JWT STS accepts', async () => {
    const { status, json } = await credentials(alice, { accountId: SANDBOX, role: 'WebIdentityDeveloper', durationSeconds: 7200 });
    expect(status).toBe(200);
    const body = json as unknown as CredentialsResponse;
    expect(body.durationSeconds).toBe(7200);
    expect(await callerArn(body.credentials)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/WebIdentityDeveloper/alice`);
  });

  it('when alice takes an assume-role role guarded by an ExternalId, then rolegate’s own keys assume it with the ExternalId', async () => {
    const { status, json } = await credentials(alice, { alias: 'prod', role: 'BrokerReadOnly' });
    expect(status).toBe(200);
    expect(await callerArn((json as unknown as CredentialsResponse).credentials)).toBe(
      `arn:aws:sts::${PROD}:assumed-role/BrokerReadOnly/alice`,
    );
  });

  it('when the request asks for more than the role allows, then the duration is clamped and the answer says why', async () => {
    const { status, json } = await credentials(alice, { alias: 'sandbox', role: 'ReadOnly', durationSeconds: 43200 });
    expect(status).toBe(200);
    expect(json.durationSeconds).toBe(14400);
    expect(json.notes).toEqual([expect.stringMatching(/^Requested 43200 s; issued 14400 s: /)]);
  });
});

describe('the credential cache', () => {
  it('when the same role is asked for again, then it is served from the cache without another STS exchange', async () => {
    const first = await credentials(alice, { alias: 'sandbox', role: 'BrokerDeveloper' });
    const exchangesBefore = (await auditRows(world.app.t, 'sts.exchange.start')).length;
    const second = await credentials(alice, { alias: 'sandbox', role: 'BrokerDeveloper' });
    expect(second.status).toBe(200);
    expect(second.json.cached).toBe(true);
    expect((second.json.credentials as Record<string, unknown>).accessKeyId).toBe(
      (first.json.credentials as Record<string, unknown>).accessKeyId,
    );
    expect((await auditRows(world.app.t, 'sts.exchange.start')).length).toBe(exchangesBefore);
    const issues = await auditRows(world.app.t, 'credentials.issue');
    expect(issues.at(-1)).toMatchObject({
      outcome: 'success',
      subject: 'demo:alice',
      details: expect.objectContaining({ source: 'cache' }) as unknown,
    });
  });

  it('when cached credentials are inside the refresh margin, then the next request exchanges again', async () => {
    const first = (await credentials(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 10800 }))
      .json as unknown as CredentialsResponse;
    // Age the cached entry as time would: same sealed format, 19 minutes of life left.
    const { deps } = world.app.t;
    const key = deps.credentials.cache.keyOf({
      principalId: 'demo:alice',
      roleId: await roleId('Developer', SANDBOX),
      durationSeconds: 10800,
    });
    await deps.kv.set(
      key,
      deps.cacheSealer.seal(
        JSON.stringify({
          accessKeyId: first.credentials.accessKeyId,
          secretAccessKey: first.credentials.secretAccessKey,
          sessionToken: first.credentials.sessionToken,
          expiresAt: Date.now() + 19 * 60_000,
          assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Developer/alice',
          sessionName: 'alice',
          issuedAt: Date.now() - 10800_000 + 19 * 60_000,
        }),
        key,
      ),
      60_000,
    );
    const next = (await credentials(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 10800 }))
      .json as unknown as CredentialsResponse;
    expect(next.cached).toBe(false);
    expect(next.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(Date.parse(next.credentials.expiration) - Date.now()).toBeGreaterThan(20 * 60_000);
  });

  it('when credentials are cached, then Redis holds them sealed: no secret key or session token in plain text', async () => {
    const body = (await credentials(alice, { alias: 'sandbox', role: 'BrokerDeveloper' })).json as unknown as CredentialsResponse;
    const key = world.app.t.deps.credentials.cache.keyOf({
      principalId: 'demo:alice',
      roleId: await roleId('BrokerDeveloper', SANDBOX),
      durationSeconds: 3600,
    });
    const raw = await rawRedisGet(`${world.app.t.redisPrefix}${key}`);
    expect(raw).not.toBeNull();
    expect(raw).not.toContain(body.credentials.secretAccessKey);
    expect(raw).not.toContain(body.credentials.sessionToken);
    expect(raw).not.toContain(body.credentials.accessKeyId);
    expect(key).not.toContain('alice');
  });

  it('when an entry is copied under another user’s key, then it does not open (bound to its key)', async () => {
    const { deps } = world.app.t;
    const role = await roleId('BrokerDeveloper', SANDBOX);
    const aliceKey = deps.credentials.cache.keyOf({ principalId: 'demo:alice', roleId: role, durationSeconds: 3600 });
    const bobKey = deps.credentials.cache.keyOf({ principalId: 'demo:bob', roleId: role, durationSeconds: 3600 });
    await deps.kv.set(bobKey, (await deps.kv.get(aliceKey)) ?? '', 60_000);
    expect(await deps.credentials.cache.get(bobKey)).toBeUndefined();
  });
});

describe('denials', () => {
  it('when carol asks for a role she has no group for, then it is 403 role_not_entitled and audited', async () => {
    const { status, json } = await credentials(carol, { alias: 'sandbox', role: 'Developer' });
    expect(status).toBe(403);
    expect(json).toMatchObject({
      code: 'role_not_entitled',
      reason: 'not_entitled',
      detail: 'Your groups do not entitle you to Developer in sandbox',
    });
    const denial = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:carol').at(-1);
    expect(denial).toMatchObject({
      outcome: 'denied',
      roleArn: `arn:aws:iam::${SANDBOX}:role/Developer`,
      reason: expect.stringMatching(/^not_entitled: /) as unknown,
    });
  });

  it('when the role does not exist, then it is 404 not_found', async () => {
    const { status, json } = await credentials(alice, { alias: 'sandbox', role: 'NoSuchRole' });
    expect(status).toBe(404);
    expect(json).toMatchObject({ code: 'not_found', detail: 'There is no role "NoSuchRole" in account sandbox (111111111111)' });
  });

  it('when a mapping only allows other source addresses, then the denial names the condition', async () => {
    await world.setMappings([
      ...DEMO_MAPPINGS.filter((m) => !m.role.endsWith(':role/ReadOnly')),
      { group: 'aws-readonly', role: `arn:aws:iam::${PROD}:role/ReadOnly`, allowedCidrs: ['10.0.0.0/8'] },
    ]);
    try {
      const { status, json } = await credentials(alice, { alias: 'prod', role: 'ReadOnly' });
      expect(status).toBe(403);
      expect(json).toMatchObject({ code: 'role_not_entitled', reason: 'condition_failed', conditions: ['source_ip_not_allowed'] });
      const roles = (await (await alice.api('/api/v1/roles')).json()) as RolesResponse;
      expect(roles.accounts.find((a) => a.alias === 'prod')?.denied).toEqual([
        expect.objectContaining({
          name: 'ReadOnly',
          conditions: ['source_ip_not_allowed'],
          reasons: [expect.stringContaining('10.0.0.0/8')],
        }),
      ]);
    } finally {
      await world.setMappings(DEMO_MAPPINGS);
    }
  });

  it('when the mapping is removed, then the next request is refused even though credentials are cached', async () => {
    expect((await credentials(alice, { alias: 'sandbox', role: 'BrokerDeveloper' })).status).toBe(200);
    await world.setMappings(DEMO_MAPPINGS.filter((m) => !m.role.endsWith('/BrokerDeveloper')));
    try {
      expect((await credentials(alice, { alias: 'sandbox', role: 'BrokerDeveloper' })).status).toBe(403);
    } finally {
      await world.setMappings(DEMO_MAPPINGS);
    }
  });
});

describe('break-glass', () => {
  it('when bob asks for the break-glass role without a justification, then nothing is issued and he is told what to give', async () => {
    const { status, json } = await credentials(bob, { alias: 'prod', role: 'BreakGlass' });
    expect(status).toBe(400);
    expect(json).toMatchObject({ code: 'invalid_request', reason: 'justification_required', breakGlass: true });
  });

  it('when bob gives a justification, then credentials are issued, the justification is audited and logged at warn', async () => {
    const justification = 'INC-4711: production database is down';
    const { status, json } = await credentials(bob, { alias: 'prod', role: 'BreakGlass', justification });
    expect(status).toBe(200);
    // Its own session, named after the use (test/e2e/one-session-per-use.test.ts covers a second use).
    const row = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob').at(-1);
    const useId = String((row?.details as { breakGlassUseId?: unknown } | undefined)?.breakGlassUseId);
    expect(await callerArn((json as unknown as CredentialsResponse).credentials)).toBe(
      `arn:aws:sts::${PROD}:assumed-role/BreakGlass/bob.bg-${useId}`,
    );
    expect(row?.details).toMatchObject({ breakGlass: true, justification });
    expect(world.app.t.logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'break-glass role used', justification }),
    );
  });
});

describe('bad requests never reach STS and never 500', () => {
  it.each([
    [{ role: 'Developer' }, 'give exactly one of accountId or alias'],
    [{ alias: 'sandbox', accountId: SANDBOX, role: 'Developer' }, 'give exactly one of accountId or alias'],
    [{ alias: 'sandbox' }, 'role'],
    [{ alias: 'sandbox', role: 'Developer', durationSeconds: 60 }, 'durationSeconds'],
    [{ alias: 'sandbox', role: 'Developer', durationSeconds: 'long' }, 'durationSeconds'],
    [{ alias: 'sandbox', role: 'Developer', extra: true }, 'extra'],
    [{ accountId: '12345', role: 'Developer' }, 'expected a 12-digit AWS account id'],
  ])('when the body is %j, then it is 400 naming the problem', async (body, mention) => {
    const { status, json } = await credentials(alice, body);
    expect(status).toBe(400);
    expect(json.code).toBe('invalid_request');
    expect(String(json.detail)).toContain(mention);
  });

  it('when the body is not JSON, then it is 415 or 400, never 500', async () => {
    const notJson = await alice.api('/api/v1/credentials', { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(415);
    const broken = await alice.browser.request(`${world.app.url}/api/v1/credentials`, {
      method: 'POST',
      body: '{"alias": ',
      headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken },
    });
    expect(broken.status).toBe(400);
  });

  it('when the CSRF token is missing, then a cookie-authenticated request is refused', async () => {
    const res = await alice.api('/api/v1/credentials', {
      method: 'POST',
      body: { alias: 'sandbox', role: 'Developer' },
      headers: { 'x-csrf-token': 'wrong' },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'forbidden' });
  });
});

describe('the audit trail comes first', () => {
  it('when the audit log cannot be written, then no credentials are returned', async () => {
    const prisma = world.app.t.deps.database.prisma;
    await prisma.$executeRawUnsafe('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'sandbox', role: 'Developer' } });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringContaining('audit trail') as unknown });
      expect(text).not.toContain('ASIA');
    } finally {
      await prisma.$executeRawUnsafe('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
  });
});

describe('sign-out', () => {
  it('when a user signs out, then their cached credentials are dropped', async () => {
    const dave = await world.signIn('bob');
    expect((await credentials(dave, { alias: 'prod', role: 'Admin' })).status).toBe(200);
    const key = world.app.t.deps.credentials.cache.keyOf({
      principalId: 'demo:bob',
      roleId: await roleId('Admin', PROD),
      durationSeconds: 3600,
    });
    expect(await world.app.t.deps.kv.get(key)).not.toBeNull();
    const out = await dave.browser.request(`${world.app.url}/auth/logout`, { method: 'POST', form: { _csrf: dave.csrfToken } });
    expect(out.status).toBeLessThan(400);
    expect(await world.app.t.deps.kv.get(key)).toBeNull();
  });
});

async function roleId(name: string, account: string): Promise<string> {
  const role = await world.app.t.deps.database.prisma.role.findFirstOrThrow({ where: { name, accountId: account } });
  return role.id;
}

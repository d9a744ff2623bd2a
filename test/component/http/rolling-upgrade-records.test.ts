import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.js';
import { newAuthorizationCode, sha256 } from '../../../src/features/cli-auth/secrets.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// Two releases side by side during a rolling upgrade (docs/architecture.md,
// "Stored records"): a session or CLI access token in Redis may have been
// written by the release before (no version field) or by a newer one. The
// first still signs the user in; the second is refused cleanly (401, sign in
// again or refresh), never a 500 — and so is a garbled record.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const principal: Principal = {
  id: 'corp:alice',
  idp: 'corp',
  subject: 'alice',
  username: 'alice',
  groups: ['engineers'],
  authn: { methods: ['pwd'], mfa: false, authenticatedAt: Date.now() },
};

/** Replaces a stored record's text, keeping its time to live. */
async function rewrite(key: string, text: (stored: Record<string, unknown>) => string): Promise<void> {
  const raw = await t.deps.kv.get(key);
  if (raw === null) throw new Error(`no record at ${key}`);
  await t.deps.kv.set(key, text(JSON.parse(raw) as Record<string, unknown>), 60_000);
}

const previousRelease = ({ v: _v, ...fields }: Record<string, unknown>) => JSON.stringify(fields);
const newerRelease = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, v: 2, principal: 'moved elsewhere in v2' });

describe('a browser session stored by another release', () => {
  const signIn = async () => {
    const { cookieValue, session } = await t.deps.sessions.create({ principal, ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    const me = () => request(t.app).get('/api/v1/me').set('Cookie', `rolegate_session=${cookieValue}`);
    expect((await me()).status).toBe(200);
    return { key: `session:${session.id}`, me };
  };

  it('when it was written by the release before versioning, then the user stays signed in', async () => {
    const { key, me } = await signIn();
    await rewrite(key, previousRelease);
    const res = await me();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'corp:alice' });
  });

  it.each([
    ['written by a newer release', newerRelease],
    ['garbled', () => '{"v":1,"id":'],
    ['of the wrong shape', () => JSON.stringify({ v: 1, id: 42 })],
  ])('when it is %s, then the answer is 401 login_required, not a 500', async (_what, text) => {
    const { key, me } = await signIn();
    await rewrite(key, text);
    const res = await me();
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'login_required' });
  });
});

describe('a CLI access token stored by another release', () => {
  const issue = async () => {
    const grant = {
      id: randomUUID(),
      clientId: 'rolegate-cli',
      principal,
      deviceName: 'laptop',
      flow: 'loopback' as const,
      loginSessionId: 'a'.repeat(64),
      createdAt: new Date(),
      lastUsedAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
    };
    const { token } = await t.deps.cliAuth.accessTokens.issue(grant);
    const me = () => request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    return { key: `cli-at:${sha256(token)}`, me };
  };

  it('when it was written by the release before versioning, then the token still works', async () => {
    const { key, me } = await issue();
    expect((await me()).status).toBe(200);
    await rewrite(key, previousRelease);
    expect((await me()).status).toBe(200);
  });

  it.each([
    ['written by a newer release', newerRelease],
    ['garbled', () => 'not json at all'],
  ])('when it is %s, then the answer is 401 (the CLI refreshes its token), not a 500', async (_what, text) => {
    const { key, me } = await issue();
    await rewrite(key, text);
    const res = await me();
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'login_required' });
  });
});

describe('short-lived sign-in records stored by another release', () => {
  it('when an authorization code’s record was written by a newer release, then the token exchange is 400 invalid_grant, not a 500', async () => {
    const code = newAuthorizationCode();
    const record = {
      clientId: 'rolegate-cli',
      principal,
      loginSessionId: 'a'.repeat(64),
      sessionExpiresAt: Date.now() + 3_600_000,
      redirectUri: 'http://127.0.0.1:5000/callback',
      codeChallenge: 'c'.repeat(43),
    };
    await t.deps.kv.set(`cli-code:${sha256(code)}`, newerRelease(record), 60_000);
    const res = await request(t.app)
      .post('/oauth/token')
      .type('form')
      .send({
        grant_type: 'authorization_code',
        client_id: 'rolegate-cli',
        code,
        redirect_uri: record.redirectUri,
        code_verifier: 'v'.repeat(43),
      });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/rolegate login/) as unknown });
  });

  it('when a login transaction was written by a newer release, then it reads as none (the user starts signing in again)', async () => {
    const id = await t.deps.login.transactions.begin({ kind: 'saml', idp: 'corp', requestId: '_r1', returnTo: '/', createdAt: Date.now() });
    const key = `login-tx:${createHash('sha256').update(id).digest('hex')}`;
    await rewrite(key, (stored) => JSON.stringify({ ...stored, v: 2 }));
    await expect(t.deps.login.transactions.take(id)).resolves.toBeNull();
  });

  it('when a login transaction was written by the release before versioning, then it is taken as it was', async () => {
    const id = await t.deps.login.transactions.begin({ kind: 'saml', idp: 'corp', requestId: '_r2', returnTo: '/portal', createdAt: 1 });
    await rewrite(`login-tx:${createHash('sha256').update(id).digest('hex')}`, previousRelease);
    await expect(t.deps.login.transactions.take(id)).resolves.toEqual({
      kind: 'saml',
      idp: 'corp',
      requestId: '_r2',
      returnTo: '/portal',
      createdAt: 1,
    });
  });
});

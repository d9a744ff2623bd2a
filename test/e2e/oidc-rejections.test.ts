import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRogueOidcProvider, type RogueBehaviour, type RogueOidcProvider } from '../peers/rogue-oidc-provider.js';
import { Browser } from '../support/browser.js';
import { auditRows, startLoginApp, type RunningApp } from '../support/login-app.js';

let rogue: RogueOidcProvider;
let app: RunningApp;

beforeAll(async () => {
  rogue = await startRogueOidcProvider();
  app = await startLoginApp(() => [
    {
      slug: 'rogue',
      displayName: 'Rogue IdP',
      kind: 'oidc',
      settings: { issuer: rogue.issuer, clientId: rogue.clientId, allowInsecureLoopbackIssuer: true },
      clientSecret: rogue.clientSecret,
    },
    {
      slug: 'one-tenant',
      displayName: 'One tenant only',
      kind: 'oidc',
      settings: { issuer: rogue.issuer, clientId: rogue.clientId, allowInsecureLoopbackIssuer: true, allowedTenants: ['tenant-a'] },
      clientSecret: rogue.clientSecret,
    },
  ]);
});
afterAll(async () => {
  await app.close();
  await rogue.close();
});

async function signInWhile(behaviour: RogueBehaviour): Promise<{ res: Response; browser: Browser }> {
  rogue.behaviour = behaviour;
  const browser = new Browser();
  const { response } = await browser.follow(`${app.url}/auth/oidc/rogue/login`);
  return { res: response, browser };
}

describe('OIDC: id_tokens that must be refused', () => {
  it('when the provider is honest, then the sign-in succeeds and the PKCE verifier was sent (control case)', async () => {
    const { res, browser } = await signInWhile('honest');
    expect(res.status).toBe(200); // landed on "/", which sends a signed-in browser to the portal
    expect(browser.cookie('rolegate_session')).toBeDefined();
    expect(rogue.tokenRequests.at(-1)?.get('code_verifier')).toMatch(/^[\w-]{43}$/);
  });

  it('when the provider rotates to a new signing key right after a sign-in, then the next sign-in fetches the new JWKS and succeeds', async () => {
    expect((await signInWhile('honest')).browser.cookie('rolegate_session')).toBeDefined();
    const { res, browser } = await signInWhile('rotated-key');
    expect(res.status).toBe(200);
    expect(browser.cookie('rolegate_session')).toBeDefined();
  });

  it('when the token endpoint is down after discovery, then it is a 503 dependency_unavailable, audited as an error', async () => {
    const { res, browser } = await signInWhile('token-endpoint-down');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      code: 'dependency_unavailable',
      detail: expect.stringMatching(/rogue cannot be reached/) as unknown,
    });
    expect(browser.cookie('rolegate_session')).toBeUndefined();
    expect((await auditRows(app.t, 'login')).at(-1)).toMatchObject({ outcome: 'error', idp: 'rogue' });
  });

  const cases: [RogueBehaviour, RegExp][] = [
    ['alg-none', /alg/],
    ['foreign-key', /signature/i],
    ['wrong-audience', /aud/],
    ['expired', /exp/],
    ['wrong-nonce', /nonce/],
    ['wrong-issuer', /iss/],
  ];
  it.each(cases)(
    'when the id_token is %s, then it is 401 assertion_invalid naming the check, with no session and an audit row',
    async (behaviour, reason) => {
      const before = (await auditRows(app.t, 'login')).length;
      const { res, browser } = await signInWhile(behaviour);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('assertion_invalid');
      expect(problem.detail).toMatch(reason);
      expect(browser.cookie('rolegate_session')).toBeUndefined();
      const rows = (await auditRows(app.t, 'login')).slice(before);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'denied', idp: 'rogue' });
      expect(rows[0]?.reason).toMatch(reason);
    },
  );

  it('when an IdP has a tenant allow-list and the id_token names another tenant, then it is refused', async () => {
    rogue.behaviour = 'honest';
    rogue.extraClaims = { tid: 'tenant-b' };
    try {
      const browser = new Browser();
      const { response } = await browser.follow(`${app.url}/auth/oidc/one-tenant/login`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/tenant \(tid\)/);
      rogue.extraClaims = { tid: 'tenant-a' };
      const allowed = new Browser();
      await allowed.follow(`${app.url}/auth/oidc/one-tenant/login`);
      expect(allowed.cookie('rolegate_session')).toBeDefined();
    } finally {
      rogue.extraClaims = {};
    }
  });
});

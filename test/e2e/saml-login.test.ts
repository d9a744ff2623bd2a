import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { auditRows, startLoginApp, type RunningApp } from '../support/login-app.js';
import { rawRedisGet } from '../support/redis.js';
import { craftResponse, postAcs, samlSignIn, samlUrls, signed, startSamlLogin } from '../support/saml-flow.js';

let peer: SamlIdpPeer;
let app: RunningApp;

beforeAll(async () => {
  peer = await startSamlIdp();
  app = await startLoginApp(() => [
    {
      slug: 'corp-saml',
      displayName: 'Corp SAML',
      kind: 'saml',
      groupsFrom: GROUPS_ATTRIBUTE,
      settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, certificates: [KEYS.idp.cert, KEYS.rotated.cert] },
    },
  ]);
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

const me = (browser: Browser) => browser.request(`${app.url}/api/v1/me`);

describe('SAML SP-initiated sign-in against a real SAML IdP', () => {
  it('when rolegate starts a sign-in, then it sends an HTTP-Redirect AuthnRequest for its ACS and binds it to a pre-login cookie', async () => {
    const browser = new Browser();
    const { location, xml, requestId } = await startSamlLogin(browser, app.url, 'corp-saml');
    expect(location.origin + location.pathname).toBe(peer.ssoUrl);
    expect(xml).toContain(`AssertionConsumerServiceURL="${samlUrls(app.url, 'corp-saml').acs}"`);
    expect(requestId).toMatch(/^_[0-9a-f]{40}$/);
    expect(location.searchParams.get('RelayState')).toBeNull();
    expect(browser.cookie('rolegate_login')).toMatch(/^[\w-]{43}$/);
  });

  it('when alice signs in, then the ACS opens a session and /api/v1/me shows her NameID, attributes and groups', async () => {
    const browser = new Browser();
    const res = await samlSignIn(browser, app.url, 'corp-saml', 'alice', '/portal');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toMatch(/<meta http-equiv="refresh" content="0;url=\/portal" ?\/?>/);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('rolegate_session='))).toMatch(
      /HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/,
    );
    expect(await (await me(browser)).json()).toMatchObject({
      id: 'corp-saml:alice@corp.example',
      subject: 'alice@corp.example',
      username: 'alice@corp.example',
      email: 'alice@corp.example',
      displayName: 'Alice Admin',
      groups: ['aws-admins', 'aws-dev'],
      authn: { mfa: false, contextClass: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' },
    });
    const row = (await auditRows(app.t, 'login')).find((r) => r.subject === 'corp-saml:alice@corp.example');
    expect(row).toMatchObject({ outcome: 'success', idp: 'corp-saml', groups: ['aws-admins', 'aws-dev'] });
  });

  it('when the AuthnContextClassRef shows MFA, then the session records it', async () => {
    const browser = new Browser();
    await samlSignIn(browser, app.url, 'corp-saml', 'carol');
    expect(await (await me(browser)).json()).toMatchObject({ groups: ['aws-breakglass'], authn: { mfa: true } });
  });

  it('when a user has no groups, then they can sign in and see they have no roles', async () => {
    const browser = new Browser();
    expect((await samlSignIn(browser, app.url, 'corp-saml', 'bob')).status).toBe(200);
    expect(await (await me(browser)).json()).toMatchObject({ username: 'bob@corp.example', groups: [] });
  });

  it('when the IdP signs with its rotated key (both certificates registered), then the sign-in succeeds', async () => {
    peer.signingKeys = KEYS.rotated;
    try {
      const browser = new Browser();
      expect((await samlSignIn(browser, app.url, 'corp-saml', 'alice')).status).toBe(200);
      expect((await me(browser)).status).toBe(200);
    } finally {
      peer.signingKeys = KEYS.idp;
    }
  });

  it('when SessionNotOnOrAfter is sooner than the maximum, then the session ends then', async () => {
    const browser = new Browser();
    const { requestId } = await startSamlLogin(browser, app.url, 'corp-saml');
    const sessionNotOnOrAfter = new Date(Date.now() + 20 * 60_000);
    const res = await postAcs(
      browser,
      app.url,
      'corp-saml',
      signed(peer, craftResponse(peer, app.url, 'corp-saml', requestId, { sessionNotOnOrAfter })),
    );
    expect(res.status).toBe(200);
    const body = (await (await me(browser)).json()) as { session: { expiresAt: string } };
    expect(Math.abs(Date.parse(body.session.expiresAt) - sessionNotOnOrAfter.getTime())).toBeLessThan(5000);
    const key = `${app.t.redisPrefix}session:${createHash('sha256')
      .update(browser.cookie('rolegate_session') ?? '')
      .digest('hex')}`;
    expect(await rawRedisGet(key)).not.toBeNull();
  });

  it('when the same response is posted concurrently with the same pre-login cookie, then exactly one session is created', async () => {
    const browser = new Browser();
    const { requestId } = await startSamlLogin(browser, app.url, 'corp-saml');
    const response = signed(peer, craftResponse(peer, app.url, 'corp-saml', requestId));
    const answers = await Promise.all(Array.from({ length: 5 }, () => postAcs(browser, app.url, 'corp-saml', response)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it('when the SP metadata is requested, then it names our entityID and ACS URL', async () => {
    const res = await new Browser().request(samlUrls(app.url, 'corp-saml').metadata);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/samlmetadata\+xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${samlUrls(app.url, 'corp-saml').entityId}"`);
    expect(xml).toContain(`Location="${samlUrls(app.url, 'corp-saml').acs}"`);
  });
});

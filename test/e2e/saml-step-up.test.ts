import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';
import { craftResponse, postAcs, samlSignIn, signed } from '../support/saml-flow.js';

const STRONG = 'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken';

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
      settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, certificates: [KEYS.idp.cert], stepUpAuthnContext: [STRONG] },
    },
  ]);
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

const me = async (browser: Browser) => (await (await browser.request(`${app.url}/api/v1/me`)).json()) as Record<string, unknown>;

/** Starts a step-up and returns the AuthnRequest rolegate sent the IdP. */
async function startStepUp(browser: Browser, returnTo: string) {
  const res = await browser.request(`${app.url}/login/step-up?returnTo=${encodeURIComponent(returnTo)}`);
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  return { location, xml, requestId: /ID="([^"]+)"/.exec(xml)?.[1] ?? '' };
}

describe('step-up sign-in with a SAML IdP', () => {
  it('when alice steps up, then rolegate forces a new authentication with the strong context and her session shows MFA', async () => {
    const browser = new Browser();
    expect((await samlSignIn(browser, app.url, 'corp-saml', 'alice', '/portal')).status).toBe(200);
    expect(await me(browser)).toMatchObject({ authn: { mfa: false } });
    const { location, xml, requestId } = await startStepUp(browser, '/requests');
    expect(location.origin + location.pathname).toBe(peer.ssoUrl);
    expect(xml).toContain('ForceAuthn="true"');
    expect(xml).toMatch(/<samlp:RequestedAuthnContext[^>]*Comparison="minimum"/);
    expect(xml).toContain(STRONG);
    const answer = await postAcs(
      browser,
      app.url,
      'corp-saml',
      signed(peer, craftResponse(peer, app.url, 'corp-saml', requestId, { authnContextClassRef: STRONG })),
    );
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('url=/requests');
    expect(await me(browser)).toMatchObject({ id: 'corp-saml:alice@corp.example', authn: { mfa: true, contextClass: STRONG } });
  });

  it('when another user answers the step-up, then it is refused and the session is still alice’s, unchanged', async () => {
    const browser = new Browser();
    await samlSignIn(browser, app.url, 'corp-saml', 'alice');
    const before = await me(browser);
    const { requestId } = await startStepUp(browser, '/');
    const bob = signed(peer, craftResponse(peer, app.url, 'corp-saml', requestId, { authnContextClassRef: STRONG }, 'bob'));
    const answer = await postAcs(browser, app.url, 'corp-saml', bob);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toMatch(/another user/);
    expect(await me(browser)).toEqual(before);
  });

  it('when the step-up answer shows no second factor, then it is refused and the session is unchanged', async () => {
    const browser = new Browser();
    await samlSignIn(browser, app.url, 'corp-saml', 'alice');
    const before = await me(browser);
    const { requestId } = await startStepUp(browser, '/');
    const answer = await postAcs(browser, app.url, 'corp-saml', signed(peer, craftResponse(peer, app.url, 'corp-saml', requestId)));
    expect(answer.status).toBe(403);
    expect(await answer.text()).toMatch(/no second factor/);
    expect(await me(browser)).toEqual(before);
  });
});

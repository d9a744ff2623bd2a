import { createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, logoutRequestQuery, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { auditRows, startLoginApp, type RunningApp } from '../support/login-app.js';
import { craftResponse, postAcs, samlUrls, signed, startSamlLogin } from '../support/saml-flow.js';

let peer: SamlIdpPeer;
let app: RunningApp;
const SLUG = 'slo-saml';

beforeAll(async () => {
  peer = await startSamlIdp();
  app = await startLoginApp(
    () => [
      {
        slug: SLUG,
        displayName: 'Corp SAML with SLO',
        kind: 'saml',
        groupsFrom: GROUPS_ATTRIBUTE,
        settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, sloUrl: `${peer.url}/slo`, certificates: [KEYS.idp.cert] },
      },
    ],
    { ROLEGATE_SAML_SP_PRIVATE_KEY: KEYS.sp.key, ROLEGATE_SAML_SP_CERTIFICATE: KEYS.sp.cert },
  );
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

async function signedInAs(nameId: string, sessionIndex: string): Promise<Browser> {
  const browser = new Browser();
  const { requestId } = await startSamlLogin(browser, app.url, SLUG);
  const res = await postAcs(browser, app.url, SLUG, signed(peer, craftResponse(peer, app.url, SLUG, requestId, { nameId, sessionIndex })));
  expect(res.status).toBe(200);
  return browser;
}

const sloUrl = () => `${app.url}/auth/saml/${SLUG}/slo`;
const me = (browser: Browser) => browser.request(`${app.url}/api/v1/me`);

/** Verifies a Redirect-binding signature made with rolegate's SP key. */
function verifyRedirectSignature(location: URL): boolean {
  const raw = location.search.slice(1);
  const signedPart = raw
    .split('&')
    .filter((p) => !p.startsWith('Signature='))
    .join('&');
  const signature = decodeURIComponent(
    raw
      .split('&')
      .find((p) => p.startsWith('Signature='))
      ?.slice('Signature='.length) ?? '',
  );
  return createVerify('RSA-SHA256').update(signedPart).verify(KEYS.sp.cert, signature, 'base64');
}

describe('SAML single logout', () => {
  it('when rolegate sends an AuthnRequest with an SP key configured, then it is signed (RSA-SHA256)', async () => {
    const { location } = await startSamlLogin(new Browser(), app.url, SLUG);
    expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(verifyRedirectSignature(location)).toBe(true);
  });

  it('when the SP metadata is served, then it carries our signing certificate and the SLO endpoint', async () => {
    const xml = await (await new Browser().request(samlUrls(app.url, SLUG).metadata)).text();
    expect(xml).toContain(KEYS.sp.cert.replace(/-----[^-]+-----|\s/g, '').slice(0, 60));
    expect(xml).toContain(`Location="${sloUrl()}"`);
  });

  it('when the IdP sends a signed LogoutRequest for the session, then that session ends and a signed LogoutResponse goes back', async () => {
    const browser = await signedInAs('dana@corp.example', 'idx-dana-1');
    const query = logoutRequestQuery({
      issuer: peer.entityId,
      destination: sloUrl(),
      nameId: 'dana@corp.example',
      sessionIndex: 'idx-dana-1',
      keys: KEYS.idp,
    });
    const res = await browser.request(`${sloUrl()}?${query}`);
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${peer.url}/slo`);
    expect(verifyRedirectSignature(location)).toBe(true);
    const response = inflateRawSync(Buffer.from(location.searchParams.get('SAMLResponse') ?? '', 'base64')).toString('utf8');
    expect(response).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect((await me(browser)).status).toBe(401);
    const row = (await auditRows(app.t, 'logout')).at(-1);
    expect(row).toMatchObject({
      outcome: 'success',
      subject: `${SLUG}:dana@corp.example`,
      details: { initiatedBy: 'idp', sessionsEnded: 1 },
    });
  });

  it('when the LogoutRequest is unsigned, then it is refused and the session lives on', async () => {
    const browser = await signedInAs('erin@corp.example', 'idx-erin');
    const query = logoutRequestQuery({ issuer: peer.entityId, destination: sloUrl(), nameId: 'erin@corp.example', keys: null });
    const res = await new Browser().request(`${sloUrl()}?${query}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/not signed/);
    expect((await me(browser)).status).toBe(200);
  });

  it('when the LogoutRequest is signed by another key, then it is refused and the session lives on', async () => {
    const browser = await signedInAs('frank@corp.example', 'idx-frank');
    const query = logoutRequestQuery({ issuer: peer.entityId, destination: sloUrl(), nameId: 'frank@corp.example', keys: KEYS.attacker });
    const res = await new Browser().request(`${sloUrl()}?${query}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/not signed by a registered certificate/);
    expect((await me(browser)).status).toBe(200);
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({ outcome: 'denied', idp: SLUG });
  });

  it('when the LogoutRequest names another SessionIndex, then this session is not ended', async () => {
    const browser = await signedInAs('gina@corp.example', 'idx-gina-current');
    const query = logoutRequestQuery({
      issuer: peer.entityId,
      destination: sloUrl(),
      nameId: 'gina@corp.example',
      sessionIndex: 'idx-gina-old',
      keys: KEYS.idp,
    });
    expect((await new Browser().request(`${sloUrl()}?${query}`)).status).toBe(303);
    expect((await me(browser)).status).toBe(200);
  });

  it('when a SAML user logs out of rolegate, then the session ends and a signed LogoutRequest with NameID and SessionIndex goes to the IdP', async () => {
    const browser = await signedInAs('hank@corp.example', 'idx-hank');
    const { csrfToken } = (await (await me(browser)).json()) as { csrfToken: string };
    const res = await browser.request(`${app.url}/auth/logout`, { method: 'POST', form: { _csrf: csrfToken } });
    expect(res.status).toBe(200);
    const location = new URL(((await res.json()) as { continueTo: string }).continueTo);
    expect(`${location.origin}${location.pathname}`).toBe(`${peer.url}/slo`);
    expect(verifyRedirectSignature(location)).toBe(true);
    const request = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
    expect(request).toContain('>hank@corp.example</saml:NameID>');
    expect(request).toContain('>idx-hank</saml2p:SessionIndex>');
    expect((await me(browser)).status).toBe(401);
    const back = await browser.request(`${sloUrl()}?SAMLResponse=anything`);
    expect(back.headers.get('location')).toBe('/login?loggedOut=1');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdpMetadata } from '../../src/adapters/saml/idp-metadata.js';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';
import { samlSignIn } from '../support/saml-flow.js';

let peer: SamlIdpPeer;
let app: RunningApp;

beforeAll(async () => {
  peer = await startSamlIdp();
  app = await startLoginApp(() => [
    {
      slug: 'from-url',
      displayName: 'From URL',
      kind: 'saml',
      groupsFrom: GROUPS_ATTRIBUTE,
      settings: {},
      metadata: { url: `${peer.url}/metadata` },
    },
    { slug: 'from-xml', displayName: 'From XML', kind: 'saml', settings: {}, metadata: { xml: peer.metadata() } },
    { slug: 'unreachable', displayName: 'Unreachable', kind: 'saml', settings: {}, metadata: { url: 'http://127.0.0.1:9/metadata' } },
  ]);
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

describe('SAML IdP metadata import', () => {
  it('when an IdP is seeded from a metadata URL or XML, then its entityID, SSO URL and every signing certificate are stored', async () => {
    for (const slug of ['from-url', 'from-xml']) {
      const idp = await app.t.deps.idps.findBySlug(slug);
      expect(idp).toMatchObject({ kind: 'saml', settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl } });
      expect(idp?.kind === 'saml' && idp.settings.certificates).toHaveLength(2);
    }
  });

  it('when the IdP signs with either certificate from its metadata, then sign-in works (rotation)', async () => {
    for (const keys of [KEYS.idp, KEYS.rotated]) {
      peer.signingKeys = keys;
      const browser = new Browser();
      expect((await samlSignIn(browser, app.url, 'from-url', 'alice')).status).toBe(200);
      expect(await (await browser.request(`${app.url}/api/v1/me`)).json()).toMatchObject({ groups: ['aws-admins', 'aws-dev'] });
    }
    peer.signingKeys = KEYS.idp;
  });

  it('when a metadata URL cannot be read, then rolegate still starts, that IdP is not created, and the reason is logged', async () => {
    expect(await app.t.deps.idps.findBySlug('unreachable')).toBeNull();
    const line = app.t.logs.lines().find((l) => l.msg === 'identity provider not updated from configuration');
    expect(String(line?.problem)).toMatch(/unreachable: cannot read its SAML metadata: cannot fetch http:\/\/127\.0\.0\.1:9\/metadata/);
  });

  it('when metadata carries a DOCTYPE, has no signing certificate or no redirect SSO, then it is refused with the reason', () => {
    expect(() => parseIdpMetadata(`<!DOCTYPE x [<!ENTITY a "b">]>${peer.metadata()}`)).toThrow(/DOCTYPE/);
    expect(() => parseIdpMetadata(peer.metadata().replace(/<md:KeyDescriptor.*?<\/md:KeyDescriptor>/g, ''))).toThrow(
      /no signing certificate/,
    );
    expect(() => parseIdpMetadata(peer.metadata().replace('HTTP-Redirect', 'HTTP-POST'))).toThrow(/no HTTP-Redirect SingleSignOnService/);
  });
});

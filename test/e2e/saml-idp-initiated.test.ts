import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { auditRows, startLoginApp, type RunningApp } from '../support/login-app.js';
import { craftResponse, postAcs, samlUrls, signed } from '../support/saml-flow.js';

let peer: SamlIdpPeer;
let app: RunningApp;
const SLUG = 'portal-saml';

beforeAll(async () => {
  peer = await startSamlIdp();
  app = await startLoginApp(() => [
    {
      slug: SLUG,
      displayName: 'Corp Portal',
      kind: 'saml',
      groupsFrom: GROUPS_ATTRIBUTE,
      settings: {
        entityId: peer.entityId,
        ssoUrl: peer.ssoUrl,
        certificates: [KEYS.idp.cert],
        idpInitiated: { enabled: true, relayStateAllowList: ['/portal'] },
      },
    },
  ]);
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

const unsolicited = (user = 'alice') => peer.idpInitiated(user, samlUrls(app.url, SLUG).acs, samlUrls(app.url, SLUG).entityId);
const continueUrl = () => `${app.url}/auth/saml/${SLUG}/continue`;
const me = (browser: Browser) => browser.request(`${app.url}/api/v1/me`);

describe('SAML IdP-initiated sign-in (enabled for this IdP)', () => {
  it('when an unsolicited response arrives, then nothing is issued until the user clicks continue on the interstitial', async () => {
    const browser = new Browser();
    const before = (await auditRows(app.t, 'login')).filter((r) => r.outcome === 'success').length;
    const res = await postAcs(browser, app.url, SLUG, unsolicited());
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Continue signing in?');
    expect(page).toContain(`action="/auth/saml/${SLUG}/continue"`);
    expect(browser.cookie('rolegate_session')).toBeUndefined();
    expect((await me(browser)).status).toBe(401);
    expect((await auditRows(app.t, 'login')).filter((r) => r.outcome === 'success')).toHaveLength(before);

    const confirmed = await browser.request(continueUrl(), { method: 'POST', form: {}, headers: { origin: app.url } });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe('/');
    expect(await (await me(browser)).json()).toMatchObject({ id: `${SLUG}:alice@corp.example`, groups: ['aws-admins', 'aws-dev'] });
  });

  it('when RelayState is on the allow-list, then the user lands there; otherwise on /', async () => {
    const allowed = new Browser();
    await postAcs(allowed, app.url, SLUG, unsolicited(), '/portal');
    const a = await allowed.request(continueUrl(), { method: 'POST', form: {} });
    expect(a.headers.get('location')).toBe('/portal');

    const other = new Browser();
    await postAcs(other, app.url, SLUG, unsolicited(), 'https://evil.example/phish');
    const b = await other.request(continueUrl(), { method: 'POST', form: {} });
    expect(b.headers.get('location')).toBe('/');
  });

  it('when the same unsolicited response is posted twice, then the second is refused as a replay', async () => {
    const response = unsolicited();
    expect((await postAcs(new Browser(), app.url, SLUG, response)).status).toBe(200);
    const res = await postAcs(new Browser(), app.url, SLUG, response);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/already used \(replay\)/);
    const denied = (await auditRows(app.t, 'login')).at(-1);
    expect(denied).toMatchObject({ outcome: 'denied', idp: SLUG });
    expect(denied?.reason).toMatch(/replay/);
  });

  it('when one response is posted concurrently from five browsers, then exactly one gets the interstitial', async () => {
    const response = unsolicited('carol');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postAcs(new Browser(), app.url, SLUG, response)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
  });

  it('when continue is posted without the interstitial cookie or from another site, then it is refused', async () => {
    const noCookie = await new Browser().request(continueUrl(), { method: 'POST', form: {} });
    expect(noCookie.status).toBe(401);
    const browser = new Browser();
    await postAcs(browser, app.url, SLUG, unsolicited());
    const crossSite = await browser.request(continueUrl(), { method: 'POST', form: {}, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(browser.cookie('rolegate_session')).toBeUndefined();
  });

  it('when a response answers a request this browser never started, then it is refused even with IdP-initiated on', async () => {
    const res = await postAcs(new Browser(), app.url, SLUG, signed(peer, craftResponse(peer, app.url, SLUG, '_someone-elses-request')));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/did not start/);
  });

  it('when Redis is down, then the replay cache cannot answer and the response is refused with 503 (fail closed)', async () => {
    await app.t.deps.kv.close();
    const res = await postAcs(new Browser(), app.url, SLUG, unsolicited());
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringMatching(/replay cache/) as unknown });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { visibleRoles } from '../support/portal-pages.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';
import { startExchangeWorld, type ExchangeWorld } from '../support/exchange-world.js';

let peer: SamlIdpPeer;
let world: ExchangeWorld;
let chromium: RealBrowser;
beforeAll(async () => {
  [peer, chromium] = await Promise.all([startSamlIdp(), launchRealBrowser()]);
  // The demo world plus a SAML IdP: two IdPs, so /login shows the chooser.
  world = await startExchangeWorld({}, undefined, {
    extraIdps: () => [
      {
        slug: 'corp-saml',
        displayName: 'Corp SAML',
        kind: 'saml',
        groupsFrom: GROUPS_ATTRIBUTE,
        settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, certificates: [KEYS.idp.cert] },
      },
      {
        // An OIDC IdP that is down: nothing listens on port 9 of loopback.
        slug: 'partner',
        displayName: 'Partner IdP',
        kind: 'oidc',
        groupsFrom: 'groups',
        settings: { issuer: 'http://127.0.0.1:9/partner', clientId: 'rolegate', allowInsecureLoopbackIssuer: true },
        clientSecret: 'unused-secret-unused-secret',
      },
    ],
  });
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
  await peer.close();
});

describe('the portal in a real browser, signed in through a SAML IdP', () => {
  it('when alice picks the SAML IdP on the chooser and signs in there, then she lands on the portal with the roles of her SAML groups', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${world.app.url}/portal`);
    await page.waitForURL(`${world.app.url}/login?returnTo=%2Fportal`);
    expect(await page.getByRole('link', { name: /^Sign in with / }).allTextContents()).toEqual([
      'Sign in with Corp SAML',
      'Sign in with Demo IdP',
    ]);
    // The partner IdP cannot be reached: shown, marked, not offered.
    const partner = page.locator('.idps li.unavailable');
    expect(await partner.locator('[aria-disabled="true"]').textContent()).toBe('Sign in with Partner IdP');
    expect(await partner.textContent()).toMatch(/Temporarily unavailable/);
    await page.getByRole('link', { name: 'Sign in with Corp SAML' }).click();
    await page.waitForURL((u) => u.href.startsWith(peer.ssoUrl));
    await page.locator('input[name="user"]').fill('alice');
    await page.locator('input[name="user"]').press('Enter');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${world.app.url}/portal`);
    // alice@corp.example is in aws-admins and aws-dev; only aws-dev is mapped.
    expect(await visibleRoles(page)).toEqual(['sandbox/BrokerDeveloper', 'sandbox/Developer', 'sandbox/WebIdentityDeveloper']);
    expect(await page.locator('.whoami').textContent()).toContain('via corp-saml');
    expect(await page.locator('.whoami').getAttribute('title')).toBe('Groups: aws-admins, aws-dev');
  });

  it('when a sign-in link to an IdP that is down is followed (a bookmark), then the browser gets a clear 503 page naming it, and can go back to choose another', async () => {
    const page = await (await chromium.newContext()).newPage();
    const response = await page.goto(`${world.app.url}/auth/oidc/partner/login`);
    if (!response) throw new Error('no response');
    expect(response.status()).toBe(503);
    expect(response.headers()['content-type']).toContain('text/html');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('A service rolegate depends on is unavailable');
    expect(await page.locator('main').textContent()).toMatch(/Partner IdP|identity provider|partner/i);
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await page.waitForURL(`${world.app.url}/login`);
  });
});

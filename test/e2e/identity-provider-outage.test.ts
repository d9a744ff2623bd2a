import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { GROUPS_ATTRIBUTE, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';
import { freeRestartablePort } from '../support/ports.js';
import { samlSignIn } from '../support/saml-flow.js';
import { waitFor } from '../support/wait.js';

// rolegate starts while both of its IdPs are down: the SAML IdP's metadata URL
// does not answer, the OIDC IdP's discovery neither. Both stay configured,
// shown as temporarily unavailable, reported in /readyz and /metrics, and
// usable once they come back, without a restart.
let saml: SamlIdpPeer;
let metadataPort: number;
let metadataServer: Server | undefined;
let oidcPort: number;
let oidc: OidcPeer | undefined;
let app: RunningApp;

beforeAll(async () => {
  saml = await startSamlIdp();
  [metadataPort, oidcPort] = await Promise.all([freeRestartablePort(), freeRestartablePort()]);
  app = await startLoginApp(
    () => [
      {
        slug: 'corp-saml',
        displayName: 'Corp SAML',
        kind: 'saml',
        groupsFrom: GROUPS_ATTRIBUTE,
        settings: {},
        metadata: { url: `http://127.0.0.1:${String(metadataPort)}/metadata` },
      },
      {
        slug: 'corp-oidc',
        displayName: 'Corp OIDC',
        kind: 'oidc',
        settings: { issuer: `http://127.0.0.1:${String(oidcPort)}`, clientId: 'rolegate-test', allowInsecureLoopbackIssuer: true },
        clientSecret: 'peer-client-secret-for-tests-only',
      },
    ],
    { ROLEGATE_IDP_RETRY_INITIAL_MS: '200', ROLEGATE_IDP_RETRY_MAX_MS: '1000' },
  );
}, 60_000);
afterAll(async () => {
  await app.close();
  await oidc?.close();
  await new Promise<void>((resolve) => (metadataServer ? metadataServer.close(() => resolve()) : resolve()));
  await saml.close();
});

type Readyz = { status: string; details: { identityProviders: Record<string, { state: string; reason?: string; nextCheckAt?: string }> } };
const readyz = async () => {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readyz };
};
const metric = async (idp: string) =>
  new RegExp(`rolegate_identity_provider_up\\{idp="${idp}",kind="\\w+"\\} (\\d)`).exec(
    await (await fetch(`${app.url}/metrics`)).text(),
  )?.[1];
const chooser = async () => (await new Browser({ accept: 'text/html' }).request(`${app.url}/login`)).text();

describe('an IdP that cannot be reached when rolegate starts', () => {
  it('when both IdPs are down at start-up, then they are listed as temporarily unavailable, sign-in there is a clear 503, and /readyz stays 200 with details', async () => {
    await waitFor(
      async () => ((await readyz()).body.details.identityProviders['corp-oidc']?.state === 'unavailable' ? true : undefined),
      'the first OIDC discovery check to fail',
    );
    const page = await chooser();
    for (const name of ['Corp SAML', 'Corp OIDC']) {
      expect(page).toMatch(new RegExp(`aria-disabled="true">Sign in with ${name}</span>\\s*<small>Temporarily unavailable`));
    }
    expect(page).not.toMatch(/href="\/auth\/saml\/corp-saml\/login/);

    const signIn = await new Browser({ accept: 'text/html' }).request(`${app.url}/auth/saml/corp-saml/login`);
    expect(signIn.status).toBe(503);
    expect(Number(signIn.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await signIn.text()).toMatch(/Sign-in with Corp SAML is temporarily unavailable/);
    const api = await fetch(`${app.url}/auth/saml/corp-saml/login`);
    expect(await api.json()).toMatchObject({ code: 'dependency_unavailable', status: 503 });

    // An IdP outage does not take the instance out of the load balancer: every instance would see it.
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.details.identityProviders).toMatchObject({
      'corp-saml': { state: 'unavailable', reason: expect.stringMatching(/cannot read its SAML metadata/) as unknown },
      'corp-oidc': { state: 'unavailable', reason: expect.stringMatching(/cannot be reached/) as unknown },
    });
    expect(Date.parse(ready.body.details.identityProviders['corp-saml']?.nextCheckAt ?? '')).toBeGreaterThan(Date.now() - 1000);
    expect(await metric('corp-saml')).toBe('0');
    expect(await metric('corp-oidc')).toBe('0');
  });

  it('when the IdPs come back, then they are checked again on their own, listed, and sign-in works without a restart', async () => {
    metadataServer = createServer((req, res) => {
      res.writeHead(req.url === '/metadata' ? 200 : 404, { 'content-type': 'application/samlmetadata+xml' });
      res.end(req.url === '/metadata' ? saml.metadata() : '');
    });
    await new Promise<void>((resolve) => metadataServer?.listen(metadataPort, '127.0.0.1', resolve));
    oidc = await startOidcPeer({ redirectUris: [`${app.url}/auth/oidc/corp-oidc/callback`], port: oidcPort });

    await waitFor(
      async () => {
        const { identityProviders } = (await readyz()).body.details;
        return identityProviders['corp-saml']?.state === 'available' && identityProviders['corp-oidc']?.state === 'available'
          ? true
          : undefined;
      },
      'both IdPs to be available again',
      15_000,
      100,
    );
    const page = await chooser();
    expect(page).toMatch(/href="\/auth\/saml\/corp-saml\/login">Sign in with Corp SAML/);
    expect(page).toMatch(/href="\/auth\/oidc\/corp-oidc\/login">Sign in with Corp OIDC/);
    expect(page).not.toMatch(/Temporarily unavailable/);
    expect(await metric('corp-saml')).toBe('1');
    expect(await metric('corp-oidc')).toBe('1');

    const browser = new Browser();
    expect((await samlSignIn(browser, app.url, 'corp-saml', 'alice')).status).toBe(200);
    expect(await (await browser.request(`${app.url}/api/v1/me`)).json()).toMatchObject({ idp: 'corp-saml' });
    const toOidc = await new Browser().request(`${app.url}/auth/oidc/corp-oidc/login`);
    expect(toOidc.status).toBe(302);
    expect(toOidc.headers.get('location')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${String(oidcPort)}/`));
  });
});

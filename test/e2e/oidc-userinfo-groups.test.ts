import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { Browser } from '../support/browser.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';

let peer: OidcPeer;
let app: RunningApp;

beforeAll(async () => {
  app = await startLoginApp(async (publicUrl) => {
    peer = await startOidcPeer({
      redirectUris: [`${publicUrl}/auth/oidc/with-userinfo/callback`, `${publicUrl}/auth/oidc/token-only/callback`],
      groupsOnlyInUserinfo: true,
    });
    const idp = (slug: string, groupsFromUserinfo: boolean) => ({
      slug,
      displayName: slug,
      kind: 'oidc',
      groupsFrom: 'groups',
      settings: { issuer: peer.issuer, clientId: peer.clientId, allowInsecureLoopbackIssuer: true, groupsFromUserinfo },
      clientSecret: peer.clientSecret,
    });
    return [idp('with-userinfo', true), idp('token-only', false)];
  });
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

async function signIn(slug: string, user: string): Promise<Browser> {
  const browser = new Browser();
  const isCallback = (u: string) => u.startsWith(`${app.url}/auth/oidc/${slug}/callback`);
  const start = await browser.follow(`${app.url}/auth/oidc/${slug}/login`, { stopAt: (u) => u.includes('/interaction/') || isCallback(u) });
  let step = start;
  if (!isCallback(step.url)) {
    step = await browser.follow(`${step.url}/login`, {
      method: 'POST',
      form: { login: user },
      stopAt: (u) => u.includes('/interaction/') || isCallback(u),
    });
  }
  if (!isCallback(step.url)) step = await browser.follow(`${step.url}/consent`, { method: 'POST', form: {}, stopAt: isCallback });
  expect((await browser.request(step.url)).status).toBe(303);
  return browser;
}

describe('OIDC groups from the userinfo endpoint', () => {
  it('when the IdP puts groups only in userinfo and the IdP is set to read it, then the session has the groups', async () => {
    const browser = await signIn('with-userinfo', 'alice');
    expect(await (await browser.request(`${app.url}/api/v1/me`)).json()).toMatchObject({
      username: 'alice',
      groups: ['aws-admins', 'aws-dev'],
    });
  });

  it('when the same IdP is read from the id_token only, then there are no groups (the claim is not there)', async () => {
    const browser = await signIn('token-only', 'alice');
    expect(await (await browser.request(`${app.url}/api/v1/me`)).json()).toMatchObject({ subject: 'u-alice-0001', groups: [] });
  });
});

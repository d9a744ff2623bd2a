import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { KEYS } from '../peers/saml-idp.js';
import { signedInBrowser } from '../support/cli-broker.js';
import { requestFrom } from '../support/from-address.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';
import { DisposableRedis } from '../support/redis-server.js';
import { waitFor } from '../support/wait.js';

// rolegate on a Redis of its own, which the tests kill: every limited endpoint must answer a clean
// 503 (the limits of sign-in and OAuth endpoints refuse when they cannot count), never a 500, and
// work again once Redis is back, without a restart.
let redis: DisposableRedis;
let peer: OidcPeer;
let app: RunningApp;

beforeAll(async () => {
  redis = await DisposableRedis.start();
  app = await startLoginApp(
    async (publicUrl) => {
      peer = await startOidcPeer({ redirectUris: [`${publicUrl}/auth/oidc/corp/callback`] });
      return [
        {
          slug: 'corp',
          displayName: 'Corp SSO',
          kind: 'oidc',
          settings: { issuer: peer.issuer, clientId: peer.clientId, allowInsecureLoopbackIssuer: true },
          clientSecret: peer.clientSecret,
        },
        {
          slug: 'corp-saml',
          displayName: 'Corp SAML',
          kind: 'saml',
          settings: { entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/sso', certificates: [KEYS.idp.cert] },
        },
      ];
    },
    { REDIS_URL: redis.url },
  );
}, 60_000);
afterAll(async () => {
  await app.close();
  await peer.close();
  await redis.kill();
});

describe('rate limits when Redis is down', () => {
  it('when Redis dies, then every rate-limited endpoint answers 503 with Retry-After (OAuth JSON on /oauth/*), never a 500, and recovers with Redis', async () => {
    const alice = await signedInBrowser({ url: app.url } as Parameters<typeof signedInBrowser>[0], 'alice');
    await redis.kill();

    const from = '127.0.0.81';
    const answers = {
      oidcStart: await requestFrom(from, `${app.url}/auth/oidc/corp/login`),
      samlStart: await requestFrom(from, `${app.url}/auth/saml/corp-saml/login`),
      acs: await requestFrom(from, `${app.url}/auth/saml/corp-saml/acs`, { form: { SAMLResponse: 'junk' } }),
      callback: await requestFrom(from, `${app.url}/auth/oidc/corp/callback?code=x&state=y`),
      token: await requestFrom(from, `${app.url}/oauth/token`, {
        form: { grant_type: 'refresh_token', client_id: 'rolegate-cli', refresh_token: 'junk' },
      }),
      device: await requestFrom(from, `${app.url}/oauth/device_authorization`, { form: { client_id: 'rolegate-cli' } }),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect([name, answer.status]).toEqual([name, 503]);
      expect(answer.headers['retry-after']).toMatch(/^\d+$/);
    }
    for (const name of ['oidcStart', 'samlStart', 'acs', 'callback'] as const) {
      expect(answers[name].json()).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringMatching(/Redis/) as unknown });
    }
    expect(answers.token.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(answers.device.json()).toMatchObject({ error: 'temporarily_unavailable' });
    for (const path of ['/api/v1/credentials', '/api/v1/console-url']) {
      const res = await alice.request(`${app.url}${path}`, {
        method: 'POST',
        body: JSON.stringify({ alias: 'sandbox', role: 'ReadOnly' }),
        headers: { 'content-type': 'application/json' },
      });
      expect([path, res.status]).toEqual([path, 503]);
    }
    expect(app.t.logs.lines().filter((l) => l.code === 'server_error')).toEqual([]);

    await redis.restart();
    await waitFor(
      async () => ((await requestFrom(from, `${app.url}/auth/oidc/corp/login`)).status === 302 ? true : undefined),
      'sign-in to work again',
      15_000,
      200,
    );
  }, 60_000);
});

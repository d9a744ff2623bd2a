import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRogueOidcProvider, type RogueOidcProvider } from '../peers/rogue-oidc-provider.js';
import { Browser } from '../support/browser.js';
import { startLoginApp, type RunningApp } from '../support/login-app.js';

let rogue: RogueOidcProvider;
let app: RunningApp;

beforeAll(async () => {
  rogue = await startRogueOidcProvider();
  app = await startLoginApp(() => [
    {
      slug: 'corp',
      displayName: 'Corp',
      kind: 'oidc',
      settings: { issuer: rogue.issuer, clientId: rogue.clientId, allowInsecureLoopbackIssuer: true },
      clientSecret: rogue.clientSecret,
    },
  ]);
});
afterAll(async () => {
  await app.close();
  await rogue.close();
});

describe('sign-in when a store is down', () => {
  it('when Redis is down, then starting a sign-in and reading a session are 503 naming Redis, never 500', async () => {
    const browser = new Browser();
    await browser.follow(`${app.url}/auth/oidc/corp/login`);
    expect((await browser.request(`${app.url}/api/v1/me`)).status).toBe(200);
    await app.t.deps.kv.close();

    const start = await new Browser().request(`${app.url}/auth/oidc/corp/login`);
    expect(start.status).toBe(503);
    expect(await start.json()).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringMatching(/Redis/) as unknown });
    const me = await browser.request(`${app.url}/api/v1/me`);
    expect(me.status).toBe(503);
    expect(await me.json()).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('when PostgreSQL is down, then the chooser is a clear 503 page, never a 500', async () => {
    await app.t.deps.database.close();
    const page = await new Browser({ accept: 'text/html' }).request(`${app.url}/login`);
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/The database is unavailable/);
    const api = await new Browser().request(`${app.url}/auth/oidc/corp/login`);
    expect(api.status).toBe(503);
  });
});

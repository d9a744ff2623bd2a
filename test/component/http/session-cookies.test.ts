import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../../src/http/middleware/error-handler.js';
import { loggerAccessLog } from '../../../src/http/middleware/access-log.js';
import { observeRequests } from '../../../src/http/middleware/observe-requests.js';
import { sessionMiddleware } from '../../../src/http/middleware/session.js';
import { startRogueOidcProvider, type RogueOidcProvider } from '../../peers/rogue-oidc-provider.js';
import { Browser } from '../../support/browser.js';
import { startLoginApp, type RunningApp } from '../../support/login-app.js';

let rogue: RogueOidcProvider;
let httpsApp: RunningApp;
let proxiedApp: RunningApp;

const idp = () => [
  {
    slug: 'corp',
    displayName: 'Corp',
    kind: 'oidc',
    settings: { issuer: rogue.issuer, clientId: rogue.clientId, allowInsecureLoopbackIssuer: true },
    clientSecret: rogue.clientSecret,
  },
];

beforeAll(async () => {
  rogue = await startRogueOidcProvider();
  // Public URL https (TLS ended in front of us); the test talks plain http to the instance.
  httpsApp = await startLoginApp(idp, { ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example' });
  proxiedApp = await startLoginApp(idp, { ROLEGATE_TRUST_PROXY: '1' });
});
afterAll(async () => {
  await httpsApp.close();
  await proxiedApp.close();
  await rogue.close();
});

describe('session cookies', () => {
  it('when the public URL is https, then the pre-login and session cookies are __Host-, Secure and HttpOnly', async () => {
    const browser = new Browser();
    const start = await browser.request(`${httpsApp.url}/auth/oidc/corp/login`);
    const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-rolegate_login='));
    expect(loginCookie).toMatch(/; Secure/);
    expect(loginCookie).toMatch(/HttpOnly/);
    expect(loginCookie).toMatch(/SameSite=None/);
    expect(loginCookie).toMatch(/Path=\//);
    expect(loginCookie).not.toMatch(/Domain=/);

    const atIdp = await browser.request(start.headers.get('location') ?? '');
    const callback = new URL(atIdp.headers.get('location') ?? '');
    expect(callback.origin).toBe('https://rolegate.corp.example');
    const res = await browser.request(`${httpsApp.url}${callback.pathname}${callback.search}`);
    expect(res.status).toBe(303);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('__Host-rolegate_session='));
    expect(session).toMatch(/; Secure/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect((await browser.request(`${httpsApp.url}/api/v1/me`)).status).toBe(200);
    // The plain name is not honoured on an https deployment.
    const plain = new Browser();
    plain.cookies.set('rolegate_session', { value: browser.cookie('__Host-rolegate_session') ?? '', attributes: '' });
    expect((await plain.request(`${httpsApp.url}/api/v1/me`)).status).toBe(401);
  });

  it('when TLS ends at a trusted proxy (X-Forwarded-Proto https), then cookies get __Host- and Secure; without it they do not', async () => {
    const viaProxy = await new Browser({ 'x-forwarded-proto': 'https' }).request(`${proxiedApp.url}/auth/oidc/corp/login`);
    expect(viaProxy.headers.getSetCookie().find((c) => c.startsWith('__Host-rolegate_login='))).toMatch(/; Secure/);
    const direct = await new Browser().request(`${proxiedApp.url}/auth/oidc/corp/login`);
    const cookie = direct.headers.getSetCookie().find((c) => c.startsWith('rolegate_login='));
    expect(cookie).toBeDefined();
    expect(cookie).not.toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('when a page route requires a session and there is none, then it redirects to /login with returnTo; an API answers 401', async () => {
    const session = sessionMiddleware({
      sessions: httpsApp.t.deps.sessions,
      publicUrl: httpsApp.t.config.server.publicUrl,
      sessionCookieName: 'rolegate_session',
    });
    const app = express();
    const logger = httpsApp.t.logs.logger;
    app.use(observeRequests({ logger, accessLog: loggerAccessLog(logger), metrics: httpsApp.t.deps.metrics }));
    app.get('/portal/roles', session.requireSession({ mode: 'page' }), (_req, res) => res.send('ok'));
    app.get('/api/v1/roles', session.requireSession(), (_req, res) => res.send('ok'));
    app.use(errorHandler());
    const page = await request(app).get('/portal/roles?tab=2');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?returnTo=%2Fportal%2Froles%3Ftab%3D2');
    const api = await request(app).get('/api/v1/roles');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toMatchObject({ code: 'login_required' });
  });
});

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcPeer, type OidcPeer } from '../peers/oidc-peer.js';
import { GROUPS_ATTRIBUTE, KEYS, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser, formAction, formField } from '../support/browser.js';
import { authorizeParams, authorizeUrl, pkcePair, startCliBroker, type CliBroker } from '../support/cli-broker.js';
import { HOSTILE_RETURN_TO, KEPT_RETURN_TO } from '../support/hostile-return-to.js';
import { MANY_SIGN_INS_FROM_ONE_ADDRESS, startLoginApp, type RunningApp } from '../support/login-app.js';
import { postAcs, samlUrls, startSamlLogin } from '../support/saml-flow.js';

// Every way a return address reaches rolegate, driven like a browser through real sign-ins:
// where the browser ends up is resolved as a browser does (new URL(location, current page))
// and must be on rolegate's origin. Issue 13, item 1 (OWASP Unvalidated Redirects and Forwards).

let oidcPeer: OidcPeer;
let samlPeer: SamlIdpPeer;
let app: RunningApp;
let broker: CliBroker;
/** Browsers that already have a session at each IdP, so each case needs no IdP login form. */
let atOidcIdp: Browser;
let atBrokerIdp: Browser;
const SAML = 'corp-saml';

beforeAll(async () => {
  samlPeer = await startSamlIdp();
  app = await startLoginApp(async (publicUrl) => {
    oidcPeer = await startOidcPeer({ redirectUris: [`${publicUrl}/auth/oidc/corp/callback`] });
    return [
      {
        slug: 'corp',
        displayName: 'Corp SSO',
        kind: 'oidc',
        groupsFrom: 'groups',
        settings: { issuer: oidcPeer.issuer, clientId: oidcPeer.clientId, allowInsecureLoopbackIssuer: true },
        clientSecret: oidcPeer.clientSecret,
      },
      {
        slug: SAML,
        displayName: 'Corp SAML',
        kind: 'saml',
        groupsFrom: GROUPS_ATTRIBUTE,
        settings: {
          entityId: samlPeer.entityId,
          ssoUrl: samlPeer.ssoUrl,
          certificates: [KEYS.idp.cert],
          idpInitiated: { enabled: true, relayStateAllowList: ['/portal'] },
        },
      },
    ];
  }, MANY_SIGN_INS_FROM_ONE_ADDRESS);
  broker = await startCliBroker(MANY_SIGN_INS_FROM_ONE_ADDRESS);
  atOidcIdp = await signedInAtIdp(`${app.url}/auth/oidc/corp/login`, app.url);
  atBrokerIdp = await signedInAtIdp(`${broker.url}/auth/oidc/corp/login`, broker.url);
}, 30_000);
afterAll(async () => {
  await broker.close();
  await app.close();
  await oidcPeer.close();
  await samlPeer.close();
});

const originOf = (url: string) => new URL(url).origin;

/** A fresh browser that shares only the IdP's cookies with `from` (no rolegate cookie). */
function cloneIdpSession(from: Browser): Browser {
  const browser = new Browser();
  for (const [name, cookie] of from.cookies) if (!name.startsWith('rolegate_')) browser.cookies.set(name, cookie);
  return browser;
}

const isCallbackOf = (appUrl: string) => (u: string) => u.startsWith(`${appUrl}/auth/oidc/corp/callback`);

/** Signs in at the OIDC peer once, through its login and consent forms, and stops before rolegate's callback. */
async function signedInAtIdp(start: string, appUrl: string): Promise<Browser> {
  const browser = new Browser();
  const isCallback = isCallbackOf(appUrl);
  let step = await browser.follow(start, { stopAt: (u) => u.includes('/interaction/') || isCallback(u) });
  if (!isCallback(step.url)) {
    step = await browser.follow(`${step.url}/login`, {
      method: 'POST',
      form: { login: 'alice' },
      stopAt: (u) => u.includes('/interaction/') || isCallback(u),
    });
  }
  if (!isCallback(step.url)) step = await browser.follow(`${step.url}/consent`, { method: 'POST', form: {}, stopAt: isCallback });
  expect(isCallback(step.url)).toBe(true);
  return browser;
}

/**
 * Follows `start` like a browser through rolegate and the OIDC peer (which has a session, so it
 * answers at once) to rolegate's callback, and returns where the callback sends the browser,
 * resolved against the callback URL.
 */
async function landingAfterOidc(browser: Browser, start: string, appUrl: string): Promise<URL> {
  const isCallback = isCallbackOf(appUrl);
  const toCallback = await browser.follow(start, { stopAt: isCallback });
  expect(toCallback.stopped, `never reached the callback from ${start}`).toBe(true);
  const callback = await browser.request(toCallback.url);
  expect(callback.status).toBe(303);
  expect(browser.cookie('rolegate_session')).toBeDefined();
  return new URL(callback.headers.get('location') ?? '', toCallback.url);
}

const decodeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Where a page that navigates on (a meta refresh and a Continue link) sends the browser, both resolved against the page's URL. */
function navigationsOf(html: string, pageUrl: string): URL[] {
  const refresh = /<meta http-equiv="refresh" content="0;url=([^"]*)"/.exec(html)?.[1];
  const link = /<a href="([^"]*)">Continue<\/a>/.exec(html)?.[1];
  expect(refresh, 'no meta refresh').toBeDefined();
  expect(link, 'no Continue link').toBeDefined();
  return [refresh ?? '', link ?? ''].map((target) => new URL(decodeHtml(target), pageUrl));
}

/** A request with a raw request-target (absolute-form, `//`, dot segments) that fetch would normalise away. */
function rawGet(appUrl: string, target: string): Promise<{ status: number; location: string | undefined }> {
  const { hostname, port } = new URL(appUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to GET ${target}`)));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const location = /\r\nlocation: ([^\r\n]*)/i.exec(text)?.[1];
      resolve({ status, location });
    });
  });
}

describe('GET /login?returnTo, then an OIDC sign-in', () => {
  it.each(HOSTILE_RETURN_TO)(
    'when returnTo is hostile (%s), then the sign-in page links and the sign-in lands on rolegate /',
    async (_label, value) => {
      const browser = cloneIdpSession(atOidcIdp);
      const chooser = await browser.request(`${app.url}/login?returnTo=${encodeURIComponent(value)}`);
      expect(chooser.status).toBe(200);
      const html = await chooser.text();
      expect(html).not.toContain('evil.example');
      const href = /href="(\/auth\/oidc\/corp\/login[^"]*)"/.exec(html)?.[1];
      expect(href).toBe('/auth/oidc/corp/login');
      const landed = await landingAfterOidc(browser, new URL(decodeHtml(href ?? ''), `${app.url}/login`).href, app.url);
      expect(landed.origin).toBe(originOf(app.url));
      expect(landed.pathname).toBe('/');
    },
  );

  it.each(HOSTILE_RETURN_TO)(
    'when the IdP login is started with a hostile returnTo (%s), then the callback lands on rolegate /',
    async (_label, value) => {
      const browser = cloneIdpSession(atOidcIdp);
      const landed = await landingAfterOidc(browser, `${app.url}/auth/oidc/corp/login?returnTo=${encodeURIComponent(value)}`, app.url);
      expect(landed.origin).toBe(originOf(app.url));
      expect(landed.href).toBe(`${app.url}/`);
    },
  );

  it.each(KEPT_RETURN_TO)('when returnTo is the local path %j, then the sign-in lands exactly there', async (value) => {
    const landed = await landingAfterOidc(
      cloneIdpSession(atOidcIdp),
      `${app.url}/auth/oidc/corp/login?returnTo=${encodeURIComponent(value)}`,
      app.url,
    );
    expect(landed.href).toBe(`${app.url}${value}`);
  });
});

describe('GET /login?returnTo with a single IdP (straight to it), then the sign-in', () => {
  it.each(HOSTILE_RETURN_TO)(
    'when returnTo is hostile (%s), then every hop stays on rolegate or its IdP and the sign-in lands on /',
    async (_label, value) => {
      const browser = cloneIdpSession(atBrokerIdp);
      const first = await browser.request(`${broker.url}/login?returnTo=${encodeURIComponent(value)}`);
      expect(first.status).toBe(302);
      expect(new URL(first.headers.get('location') ?? '', broker.url).href).toBe(`${broker.url}/auth/oidc/corp/login`);
      const landed = await landingAfterOidc(browser, `${broker.url}/login?returnTo=${encodeURIComponent(value)}`, broker.url);
      expect(landed.origin).toBe(originOf(broker.url));
      expect(landed.pathname).toBe('/');
    },
  );
});

describe('the CLI authorize bounce (/oauth/authorize → /login → sign-in → /oauth/authorize)', () => {
  it.each(HOSTILE_RETURN_TO)(
    'when a signed-out browser opens an authorize URL carrying %s, then it comes back to that same authorize request on rolegate',
    async (_label, value) => {
      const { challenge } = pkcePair();
      // The hostile value rides along as an extra parameter named returnTo, and as the state when it fits.
      const fitsState = value.length <= 512;
      const params = authorizeParams(challenge, { returnTo: value, ...(fitsState ? { state: value } : {}) });
      const url = authorizeUrl(broker, params);
      const browser = cloneIdpSession(atBrokerIdp);
      const bounce = await browser.request(url);
      expect(bounce.status).toBe(303);
      const toLogin = new URL(bounce.headers.get('location') ?? '', url);
      expect(toLogin.origin).toBe(originOf(broker.url));
      expect(toLogin.pathname).toBe('/login');
      const landed = await landingAfterOidc(browser, url, broker.url);
      expect(landed.origin).toBe(originOf(broker.url));
      if (url.length - broker.url.length > 2048) {
        expect(landed.pathname).toBe('/'); // too long to carry through sign-in: lands on the portal instead
        return;
      }
      expect(landed.href).toBe(url);
      expect(landed.searchParams.get('returnTo')).toBe(value);
      const consent = await browser.request(landed.href, { headers: { accept: 'text/html' } });
      expect(consent.status).toBe(200);
    },
  );
});

describe('pages that bounce a signed-out browser to sign-in', () => {
  const pages = ['/portal?q=', '/device?user_code=', '/admin/audit?subject='];
  it.each(HOSTILE_RETURN_TO)(
    'when %s rides in the query of a page, then the bounce and its returnTo stay on rolegate',
    async (_label, value) => {
      for (const page of pages) {
        const from = `${app.url}${page}${encodeURIComponent(value)}`;
        const res = await new Browser().request(from, { headers: { accept: 'text/html' } });
        expect(res.status, from).toBe(303);
        const toLogin = new URL(res.headers.get('location') ?? '', from);
        expect(toLogin.origin).toBe(originOf(app.url));
        expect(toLogin.pathname).toBe('/login');
        const back = new URL(toLogin.searchParams.get('returnTo') ?? '/', app.url);
        expect(back.origin).toBe(originOf(app.url));
      }
    },
  );

  it('when a bounced page is signed in to, then the browser lands back on it with its query', async () => {
    const value = '/.//evil.example/phish';
    const from = `${broker.url}/portal?q=${encodeURIComponent(value)}`;
    const landed = await landingAfterOidc(cloneIdpSession(atBrokerIdp), from, broker.url);
    expect(landed.href).toBe(from);
  });

  it.each([
    'http://evil.example/portal',
    'http://evil.example/device?user_code=x',
    '//evil.example/portal',
    '///evil.example/portal',
    '/portal/..//evil.example',
    '/.//evil.example/portal',
    '/%2e%2e//evil.example/portal',
    '/\\evil.example/portal',
    '/portal?q=/.//evil.example',
    `http://evil.example/oauth/authorize?client_id=rolegate-cli`,
  ])('when the request-target itself is %j, then any redirect stays on rolegate', async (target) => {
    const { status, location } = await rawGet(app.url, target);
    expect(status).toBeGreaterThanOrEqual(200);
    if (location === undefined) return;
    expect(new URL(location, app.url).origin).toBe(originOf(app.url));
    const returnTo = new URL(location, app.url).searchParams.get('returnTo');
    if (returnTo !== null) expect(new URL(returnTo, app.url).origin).toBe(originOf(app.url));
  });
});

describe('SAML: returnTo through an SP-initiated sign-in, and RelayState', () => {
  /** The IdP peer's login form, then the ACS POST with `relayState`; returns the ACS answer and its URL. */
  async function samlSignIn(browser: Browser, returnTo: string, relayState?: string) {
    const { location } = await startSamlLogin(browser, app.url, SAML, returnTo);
    expect(location.origin).toBe(originOf(samlPeer.url));
    expect(location.searchParams.get('RelayState')).toBeNull();
    const form = await (await browser.request(location.href)).text();
    const autoPost = await (
      await browser.request(new URL('/sso/login', location).href, {
        method: 'POST',
        form: {
          user: 'alice',
          requestId: formField(form, 'requestId') ?? '',
          acs: formField(form, 'acs') ?? '',
          audience: formField(form, 'audience') ?? '',
        },
      })
    ).text();
    const acs = formAction(autoPost) ?? '';
    const res = await browser.request(acs, {
      method: 'POST',
      form: { SAMLResponse: formField(autoPost, 'SAMLResponse') ?? '', ...(relayState === undefined ? {} : { RelayState: relayState }) },
    });
    return { res, acs };
  }

  it.each(HOSTILE_RETURN_TO)(
    'when returnTo and RelayState are hostile (%s), then the page after sign-in navigates to rolegate /',
    async (_label, value) => {
      const browser = new Browser();
      const { res, acs } = await samlSignIn(browser, value, value.length <= 1024 ? value : undefined);
      expect(res.status).toBe(200);
      const html = await res.text();
      for (const target of navigationsOf(html, acs)) {
        expect(target.origin).toBe(originOf(app.url));
        expect(target.pathname).toBe('/');
      }
      expect(browser.cookie('rolegate_session')).toBeDefined();
    },
  );

  it.each(KEPT_RETURN_TO)(
    'when returnTo is %j and RelayState names another site, then the page after sign-in goes to returnTo',
    async (value) => {
      const { res, acs } = await samlSignIn(new Browser(), value, 'https://evil.example/phish');
      for (const target of navigationsOf(await res.text(), acs)) expect(target.href).toBe(`${app.url}${value}`);
    },
  );

  it.each(HOSTILE_RETURN_TO)(
    'when an IdP-initiated sign-in carries a hostile RelayState (%s), then after the interstitial it lands on rolegate /',
    async (_label, value) => {
      const browser = new Browser();
      const urls = samlUrls(app.url, SAML);
      const res = await postAcs(browser, app.url, SAML, samlPeer.idpInitiated('alice', urls.acs, urls.entityId), value);
      if (value.length > 1024) {
        expect(res.status).toBe(400); // RelayState is at most 1024 characters here (SAML bindings §3.4.3: 80 bytes are required)
        expect(browser.cookie('rolegate_session')).toBeUndefined();
        return;
      }
      expect(res.status).toBe(200);
      const continueUrl = `${app.url}/auth/saml/${SAML}/continue`;
      const confirmed = await browser.request(continueUrl, { method: 'POST', form: {}, headers: { origin: app.url } });
      expect(confirmed.status).toBe(303);
      const landed = new URL(confirmed.headers.get('location') ?? '', continueUrl);
      expect(landed.href).toBe(`${app.url}/`);
    },
  );
});

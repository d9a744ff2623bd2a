import { createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GROUPS_ATTRIBUTE,
  KEYS,
  encode,
  logoutRequestQuery,
  logoutRequestXml,
  logoutResponseXml,
  redirectQuery,
  signRoot,
  startSamlIdp,
  type SamlIdpPeer,
} from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { auditRows, MANY_SIGN_INS_FROM_ONE_ADDRESS, startLoginApp, type RunningApp } from '../support/login-app.js';
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
    { ROLEGATE_SAML_SP_PRIVATE_KEY: KEYS.sp.key, ROLEGATE_SAML_SP_CERTIFICATE: KEYS.sp.cert, ...MANY_SIGN_INS_FROM_ONE_ADDRESS },
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
const minutes = (n: number) => new Date(Date.now() + n * 60_000);
const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

/** The IdP's signed LogoutResponse to the LogoutRequest `requestXml` (its ID becomes InResponseTo). */
function answer(requestXml: string, overrides: Partial<Parameters<typeof logoutResponseXml>[0]> = {}): string {
  const inResponseTo = /ID="([^"]+)"/.exec(requestXml)?.[1] ?? '';
  return logoutResponseXml({ issuer: peer.entityId, destination: sloUrl(), inResponseTo, ...overrides });
}

/** Signs out through rolegate's own logout: returns the LogoutRequest it sent the browser to the IdP with. */
async function spLogout(browser: Browser): Promise<string> {
  const { csrfToken } = (await (await me(browser)).json()) as { csrfToken: string };
  const res = await browser.request(`${app.url}/auth/logout`, { method: 'POST', form: { _csrf: csrfToken } });
  const location = new URL(((await res.json()) as { continueTo: string }).continueTo);
  return inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
}

const postSlo = (browser: Browser, form: Record<string, string>) => browser.request(sloUrl(), { method: 'POST', form });
const detail = async (res: Response) => ((await res.json()) as { detail: string }).detail;
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
    const back = await browser.request(`${sloUrl()}?${redirectQuery('SAMLResponse', answer(request), KEYS.idp)}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/login?loggedOut=1');
  });
});

describe('SAML single logout: age and replay of the IdP LogoutRequest', () => {
  it('when the same signed LogoutRequest is replayed, then the replay is refused and the new session lives on', async () => {
    const first = await signedInAs('ivan@corp.example', 'idx-ivan');
    const query = logoutRequestQuery({ issuer: peer.entityId, destination: sloUrl(), nameId: 'ivan@corp.example', keys: KEYS.idp });
    expect((await new Browser().request(`${sloUrl()}?${query}`)).status).toBe(303);
    expect((await me(first)).status).toBe(401);
    const second = await signedInAs('ivan@corp.example', 'idx-ivan');
    const replay = await new Browser().request(`${sloUrl()}?${query}`);
    expect(replay.status).toBe(401);
    expect(await detail(replay)).toMatch(/LogoutRequest .* was already processed \(replay\)/);
    expect((await me(second)).status).toBe(200);
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({
      outcome: 'denied',
      reason: expect.stringMatching(/replay/) as unknown,
    });
  });

  it.each([
    ['issued two days ago, without NotOnOrAfter', { issueInstant: minutes(-2 * 24 * 60) }, /issued at .* more than saml\.clockSkewMs/],
    ['issued two minutes ago', { issueInstant: minutes(-2) }, /more than saml\.clockSkewMs/],
    ['issued two minutes in the future', { issueInstant: minutes(2) }, /more than saml\.clockSkewMs/],
    ['issued now with NotOnOrAfter a minute ago', { notOnOrAfter: minutes(-1) }, /has expired \(NotOnOrAfter is in the past\)/],
    ['without IssueInstant', { issueInstant: null }, /has no IssueInstant/],
    ['without Destination', { destination: null }, /has no Destination/],
    ['addressed to another URL', { destination: 'https://other-sp.example/slo' }, /Destination https:\/\/other-sp\.example\/slo is not/],
    ['from another issuer', { issuer: 'https://other-idp.example' }, /does not come from the entityID/],
  ] as const)(
    'when a signed LogoutRequest is %s, then it is refused over either binding and the session lives on',
    async (_case, spec, reason) => {
      const browser = await signedInAs('judy@corp.example', 'idx-judy');
      const request = { issuer: peer.entityId, destination: sloUrl(), nameId: 'judy@corp.example', ...spec };
      const redirect = await new Browser().request(`${sloUrl()}?${logoutRequestQuery({ ...request, keys: KEYS.idp })}`);
      expect(redirect.status).toBe(401);
      expect(await detail(redirect)).toMatch(reason);
      const post = await postSlo(new Browser(), { SAMLRequest: encode(signRoot(logoutRequestXml(request), KEYS.idp)) });
      expect(post.status).toBe(401);
      expect(await detail(post)).toMatch(reason);
      expect((await me(browser)).status).toBe(200);
    },
  );
});

describe('SAML single logout over HTTP-POST', () => {
  it('when the SP metadata is served, then it advertises single logout on both bindings rolegate serves', async () => {
    const xml = await (await new Browser().request(samlUrls(app.url, SLUG).metadata)).text();
    const services = [...xml.matchAll(/<SingleLogoutService [^>]*>/g)].map((m) => m[0]);
    expect(services).toHaveLength(2);
    expect(services.some((s) => s.includes('bindings:HTTP-Redirect') && s.includes(`Location="${sloUrl()}"`))).toBe(true);
    expect(services.some((s) => s.includes('bindings:HTTP-POST') && s.includes(`Location="${sloUrl()}"`))).toBe(true);
    expect((await postSlo(new Browser(), {})).status).toBe(400);
  });

  it('when the IdP POSTs a signed LogoutRequest for the session, then that session ends and a signed LogoutResponse goes back', async () => {
    const browser = await signedInAs('kim@corp.example', 'idx-kim');
    const xml = logoutRequestXml({ issuer: peer.entityId, destination: sloUrl(), nameId: 'kim@corp.example', sessionIndex: 'idx-kim' });
    const res = await postSlo(browser, { SAMLRequest: encode(signRoot(xml, KEYS.idp)), RelayState: 'idp-state-7' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${peer.url}/slo`);
    expect(location.searchParams.get('RelayState')).toBe('idp-state-7');
    expect(verifyRedirectSignature(location)).toBe(true);
    const response = inflateRawSync(Buffer.from(location.searchParams.get('SAMLResponse') ?? '', 'base64')).toString('utf8');
    expect(response).toContain(`InResponseTo="${/ID="([^"]+)"/.exec(xml)?.[1] ?? ''}"`);
    expect((await me(browser)).status).toBe(401);
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({ outcome: 'success', subject: `${SLUG}:kim@corp.example` });
    const replay = await postSlo(new Browser(), { SAMLRequest: encode(signRoot(xml, KEYS.idp)) });
    expect(replay.status).toBe(401);
    expect(await detail(replay)).toMatch(/already processed/);
  });

  it.each([
    ['unsigned', (xml: string) => xml, /is not signed/],
    ['signed by another key', (xml: string) => signRoot(xml, KEYS.attacker), /not signed by a registered certificate/],
    [
      'signed, then altered',
      (xml: string) => signRoot(xml, KEYS.idp).replace('lee@corp.example', 'lee2@corp.example'),
      /not signed by a registered certificate/,
    ],
    [
      'signed with the registered certificate in KeyInfo, by another key',
      (xml: string) => signRoot(xml, { key: KEYS.attacker.key, cert: KEYS.idp.cert }),
      /not signed by a registered certificate/,
    ],
  ])('when a POSTed LogoutRequest is %s, then it is refused and the session lives on', async (_case, prepare, reason) => {
    const browser = await signedInAs('lee@corp.example', 'idx-lee');
    const xml = logoutRequestXml({ issuer: peer.entityId, destination: sloUrl(), nameId: 'lee@corp.example' });
    const res = await postSlo(new Browser(), { SAMLRequest: encode(prepare(xml)) });
    expect(res.status).toBe(401);
    expect(await detail(res)).toMatch(reason);
    expect((await me(browser)).status).toBe(200);
  });

  it('when the IdP POSTs a signed LogoutResponse to our LogoutRequest, then the sign-out this browser started completes', async () => {
    const browser = await signedInAs('mia@corp.example', 'idx-mia');
    const request = await spLogout(browser);
    expect(browser.cookie('rolegate_logout')).toBeDefined();
    const res = await postSlo(browser, { SAMLResponse: encode(signRoot(answer(request), KEYS.idp)) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?loggedOut=1');
    expect(browser.cookie('rolegate_logout')).toBeUndefined();
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({
      outcome: 'success',
      subject: `${SLUG}:mia@corp.example`,
      details: { initiatedBy: 'sp', stage: 'idp-response', statusCodes: [`${STATUS}Success`] },
    });
    const again = await postSlo(browser, { SAMLResponse: encode(signRoot(answer(request), KEYS.idp)) });
    expect(again.status).toBe(401);
    expect(await detail(again)).toMatch(/answers no sign-out that this browser started/);
  });

  it('when the IdP answers our LogoutRequest with PartialLogout, then the page says the IdP session may live on', async () => {
    const browser = await signedInAs('noa@corp.example', 'idx-noa');
    const request = await spLogout(browser);
    const partial = answer(request, { statusCodes: [`${STATUS}Success`, `${STATUS}PartialLogout`] });
    const res = await postSlo(browser, { SAMLResponse: encode(signRoot(partial, KEYS.idp)) });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('could not confirm that it ended your session there (status Success / PartialLogout)');
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({ outcome: 'error', subject: `${SLUG}:noa@corp.example` });
  });

  it.each([
    [
      'answering another request',
      (request: string) => signRoot(answer(request, { inResponseTo: '_another' }), KEYS.idp),
      'post',
      /does not answer the sign-out this browser started/,
    ],
    ['without InResponseTo', (request: string) => signRoot(answer(request, { inResponseTo: null }), KEYS.idp), 'post', /does not answer/],
    ['unsigned', (request: string) => answer(request), 'post', /is not signed/],
    [
      'signed by another key',
      (request: string) => signRoot(answer(request), KEYS.attacker),
      'post',
      /not signed by a registered certificate/,
    ],
    ['without Destination', (request: string) => signRoot(answer(request, { destination: null }), KEYS.idp), 'post', /has no Destination/],
    [
      'from another issuer',
      (request: string) => signRoot(answer(request, { issuer: 'https://other-idp.example' }), KEYS.idp),
      'post',
      /entityID/,
    ],
    ['over HTTP-Redirect, unsigned', (request: string) => answer(request), 'redirect-unsigned', /is not signed/],
    [
      'over HTTP-Redirect, signed by another key',
      (request: string) => answer(request),
      'redirect-attacker',
      /not signed by a registered certificate/,
    ],
    [
      'over HTTP-Redirect, answering another request',
      (request: string) => answer(request, { inResponseTo: '_another' }),
      'redirect',
      /does not answer/,
    ],
  ] as const)('when the LogoutResponse is %s, then it is refused', async (_case, build, binding, reason) => {
    const browser = await signedInAs('olga@corp.example', 'idx-olga');
    const request = await spLogout(browser);
    const message = build(request);
    const res =
      binding === 'post'
        ? await postSlo(browser, { SAMLResponse: encode(message) })
        : await browser.request(
            `${sloUrl()}?${redirectQuery('SAMLResponse', message, binding === 'redirect-unsigned' ? null : binding === 'redirect' ? KEYS.idp : KEYS.attacker)}`,
          );
    expect(res.status).toBe(401);
    expect(await detail(res)).toMatch(reason);
    expect((await auditRows(app.t, 'logout')).at(-1)).toMatchObject({ outcome: 'denied', idp: SLUG });
  });

  it('when a LogoutResponse arrives in a browser that started no sign-out, then it is refused', async () => {
    const browser = await signedInAs('pia@corp.example', 'idx-pia');
    const request = await spLogout(browser);
    const res = await postSlo(new Browser(), { SAMLResponse: encode(signRoot(answer(request), KEYS.idp)) });
    expect(res.status).toBe(401);
    expect(await detail(res)).toMatch(/answers no sign-out that this browser started/);
  });
});

// Last: it takes this app's Redis connection down.
describe('SAML single logout when Redis is down', () => {
  it('when the replay cache cannot answer, then a signed LogoutRequest is refused with 503 (fail closed)', async () => {
    await app.t.deps.kv.close();
    const query = logoutRequestQuery({ issuer: peer.entityId, destination: sloUrl(), nameId: 'quinn@corp.example', keys: KEYS.idp });
    const res = await new Browser().request(`${sloUrl()}?${query}`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      code: 'dependency_unavailable',
      detail: expect.stringMatching(/replay cache \(Redis\)/) as unknown,
    });
  });
});

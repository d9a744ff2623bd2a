import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUPS_ATTRIBUTE, KEYS, encode, sign, startSamlIdp, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser } from '../support/browser.js';
import { auditRows, MANY_SIGN_INS_FROM_ONE_ADDRESS, startLoginApp, type RunningApp } from '../support/login-app.js';
import { craftResponse, postAcs, signed, startSamlLogin } from '../support/saml-flow.js';
import { wrapSignedResponse, XSW_VARIANTS } from '../support/xsw.js';

let peer: SamlIdpPeer;
let app: RunningApp;
const SLUG = 'corp-saml';
const STRICT = 'strict-saml';

beforeAll(async () => {
  peer = await startSamlIdp();
  app = await startLoginApp(
    () => [
      {
        slug: SLUG,
        displayName: 'Corp SAML',
        kind: 'saml',
        groupsFrom: GROUPS_ATTRIBUTE,
        settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, certificates: [KEYS.idp.cert] },
      },
      {
        slug: STRICT,
        displayName: 'Strict SAML',
        kind: 'saml',
        settings: { entityId: peer.entityId, ssoUrl: peer.ssoUrl, certificates: [KEYS.idp.cert], wantAssertionSigned: true },
      },
    ],
    { ROLEGATE_SAML_CLOCK_SKEW_MS: '30000', ...MANY_SIGN_INS_FROM_ONE_ADDRESS },
  );
});
afterAll(async () => {
  await app.close();
  await peer.close();
});

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

/** Starts a real sign-in, then posts `build(requestId)` to the ACS with this browser's pre-login cookie. */
async function attempt(build: (requestId: string) => string, browser = new Browser()) {
  const { requestId } = await startSamlLogin(browser, app.url, SLUG);
  const before = (await auditRows(app.t, 'login')).length;
  const res = await postAcs(browser, app.url, SLUG, build(requestId));
  const body = await res.text();
  const audit = (await auditRows(app.t, 'login')).slice(before);
  const me = await browser.request(`${app.url}/api/v1/me`);
  return { res, body, audit, signedIn: me.status === 200, browser };
}

/** The refusal every negative case must show: 401 problem+json naming the reason, an audit row, a log line, no session. */
function expectRefused(outcome: Awaited<ReturnType<typeof attempt>>, reason: RegExp) {
  expect(outcome.res.status).toBe(401);
  expect(outcome.res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  const problem = JSON.parse(outcome.body) as { code: string; detail: string };
  expect(problem.code).toBe('assertion_invalid');
  expect(problem.detail).toMatch(reason);
  expect(outcome.signedIn).toBe(false);
  expect(outcome.browser.cookie('rolegate_session')).toBeUndefined();
  expect(outcome.audit).toHaveLength(1);
  expect(outcome.audit[0]).toMatchObject({ type: 'login', outcome: 'denied', idp: SLUG });
  expect(outcome.audit[0]?.reason).toMatch(reason);
  expect(app.t.logs.lines().some((l) => l.event === 'login' && l.outcome === 'denied' && reason.test(String(l.reason)))).toBe(true);
}

const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

describe('SAML responses that must be refused', () => {
  it('when the response is valid (control case), then it is accepted', async () => {
    const outcome = await attempt((id) => signed(peer, craftResponse(peer, app.url, SLUG, id)));
    expect(outcome.res.status).toBe(200);
    expect(outcome.signedIn).toBe(true);
  });

  it('when only the Response is signed (by the IdP), then it is accepted: the assertion is read from the signed Response', async () => {
    const outcome = await attempt((id) => encode(sign(craftResponse(peer, app.url, SLUG, id), 'Response', KEYS.idp)));
    expect(outcome.res.status).toBe(200);
    expect(outcome.signedIn).toBe(true);
  });

  it('when only the Response is signed, by another key, then it is refused', async () => {
    const outcome = await attempt((id) => encode(sign(craftResponse(peer, app.url, SLUG, id), 'Response', KEYS.attacker)));
    expectRefused(outcome, /not signed by a registered certificate/);
  });

  it('when the IdP requires signed assertions and only the Response is signed, then it is refused', async () => {
    const browser = new Browser();
    const { requestId } = await startSamlLogin(browser, app.url, STRICT);
    const before = (await auditRows(app.t, 'login')).length;
    const res = await postAcs(
      browser,
      app.url,
      STRICT,
      encode(sign(craftResponse(peer, app.url, STRICT, requestId), 'Response', KEYS.idp)),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/assertion is not signed/);
    expect((await auditRows(app.t, 'login')).slice(before)).toMatchObject([{ outcome: 'denied', idp: STRICT }]);
  });

  it('when nothing is signed, then it is refused', async () => {
    expectRefused(await attempt((id) => encode(craftResponse(peer, app.url, SLUG, id))), /not signed/);
  });

  it('when another key signed it (its certificate in KeyInfo), then it is refused: KeyInfo is never trusted', async () => {
    const outcome = await attempt((id) => encode(sign(craftResponse(peer, app.url, SLUG, id), 'Assertion', KEYS.attacker)));
    expectRefused(outcome, /not signed by a registered certificate/);
  });

  it('when the registered certificate is in KeyInfo but another key signed, then it is refused', async () => {
    const forged = sign(craftResponse(peer, app.url, SLUG, undefined), 'Assertion', { key: KEYS.attacker.key, cert: KEYS.idp.cert });
    const outcome = await attempt((id) => encode(forged.replace('<samlp:Response ', `<samlp:Response InResponseTo="${id}" `)));
    expectRefused(outcome, /not signed by a registered certificate|InResponseTo/);
  });

  it.each(Object.keys(XSW_VARIANTS))('when the signature is wrapped (%s), then it is refused', async (variant) => {
    const wrap = XSW_VARIANTS[variant];
    if (!wrap) throw new Error(variant);
    const outcome = await attempt((id) =>
      encode(wrap(sign(craftResponse(peer, app.url, SLUG, id), 'Assertion', KEYS.idp), 'admin@corp.example')),
    );
    expectRefused(outcome, /signature structure is invalid|more than one assertion|not signed by a registered certificate/);
  });

  it('when a signed Response is wrapped inside a forged, unsigned one, then it is refused', async () => {
    const outcome = await attempt((id) =>
      encode(wrapSignedResponse(sign(craftResponse(peer, app.url, SLUG, id), 'Response', KEYS.idp), 'admin@corp.example')),
    );
    expectRefused(outcome, /not signed by a registered certificate|signature structure is invalid/);
  });

  it('when a NameID carries an XML comment, then the identity is the full text, never the part before the comment', async () => {
    const browser = new Browser();
    const { requestId } = await startSamlLogin(browser, app.url, SLUG);
    const xml = sign(craftResponse(peer, app.url, SLUG, requestId, { nameId: 'alice@corp.example.evil.com' }), 'Assertion', KEYS.idp);
    const commented = xml.replace('alice@corp.example.evil.com', 'alice@corp.example<!-- -->.evil.com');
    expect(commented).toContain('<!-- -->');
    const res = await postAcs(browser, app.url, SLUG, encode(commented));
    expect(res.status).toBe(200);
    const me = (await (await browser.request(`${app.url}/api/v1/me`)).json()) as { id: string; subject: string };
    expect(me.subject).toBe('alice@corp.example.evil.com');
    expect(me.id).toBe(`${SLUG}:alice@corp.example.evil.com`);
  });

  it('when the assertion has expired, then it is refused', async () => {
    const outcome = await attempt((id) =>
      signed(
        peer,
        craftResponse(peer, app.url, SLUG, id, { issueInstant: minutes(-10), notBefore: minutes(-10), notOnOrAfter: minutes(-2) }),
      ),
    );
    expectRefused(outcome, /has expired/);
  });

  it('when the assertion is not yet valid, then it is refused', async () => {
    const outcome = await attempt((id) =>
      signed(peer, craftResponse(peer, app.url, SLUG, id, { notBefore: minutes(5), notOnOrAfter: minutes(10) })),
    );
    expectRefused(outcome, /not yet valid/);
  });

  it('when the assertion is older than saml.maxAssertionAgeMs, then it is refused even though NotOnOrAfter is far away', async () => {
    const outcome = await attempt((id) =>
      signed(peer, craftResponse(peer, app.url, SLUG, id, { issueInstant: minutes(-30), notOnOrAfter: minutes(60) })),
    );
    expectRefused(outcome, /too old/);
  });

  it('when the audience is another service, then it is refused', async () => {
    const outcome = await attempt((id) =>
      signed(peer, craftResponse(peer, app.url, SLUG, id, { audience: 'https://other-sp.example/metadata' })),
    );
    expectRefused(outcome, /Audience/);
  });

  it.each([
    ['another URL', () => 'https://other-sp.example/acs'],
    ['the ACS URL of another IdP slug', () => `${app.url}/auth/saml/${STRICT}/acs`],
    ['the ACS URL with a trailing slash', () => `${app.url}/auth/saml/${SLUG}/acs/`],
    ['the ACS URL in upper case', () => `${app.url}/AUTH/SAML/${SLUG}/ACS`],
    ['the ACS URL with a query', () => `${app.url}/auth/saml/${SLUG}/acs?x=1`],
  ])('when the Destination is %s, then it is refused', async (_case, destination) => {
    const outcome = await attempt((id) => signed(peer, craftResponse(peer, app.url, SLUG, id, { destination: destination() })));
    expectRefused(outcome, /Destination .* is not/);
  });

  it.each([
    ['no Destination and the Response is signed', null, 'Response'],
    ['no Destination and only the assertion is signed', null, 'Assertion'],
    ['an empty Destination and the Response is signed', '', 'Response'],
  ] as const)('when a response has %s, then it is refused (SAML Bindings §3.5.5.2)', async (_case, destination, what) => {
    const outcome = await attempt((id) => encode(sign(craftResponse(peer, app.url, SLUG, id, { destination }), what, KEYS.idp)));
    expectRefused(outcome, /has no Destination/);
  });

  it('when the bearer Recipient is another URL, then it is refused', async () => {
    const outcome = await attempt((id) =>
      signed(peer, craftResponse(peer, app.url, SLUG, id, { recipient: 'https://other-sp.example/acs' })),
    );
    expectRefused(outcome, /Recipient/);
  });

  it('when the response answers another request, then it is refused', async () => {
    const other = await startSamlLogin(new Browser(), app.url, SLUG);
    const outcome = await attempt(() => signed(peer, craftResponse(peer, app.url, SLUG, other.requestId)));
    expectRefused(outcome, /InResponseTo/);
  });

  it('when a response arrives unsolicited and IdP-initiated sign-in is off, then it is refused', async () => {
    const browser = new Browser();
    const before = (await auditRows(app.t, 'login')).length;
    const res = await postAcs(browser, app.url, SLUG, signed(peer, craftResponse(peer, app.url, SLUG, undefined)));
    expectRefused(
      {
        res,
        body: await res.text(),
        audit: (await auditRows(app.t, 'login')).slice(before),
        signedIn: (await browser.request(`${app.url}/api/v1/me`)).status === 200,
        browser,
      },
      /Unsolicited/,
    );
  });

  it('when the issuer is not the entityID of the IdP whose key verified it, then it is refused', async () => {
    const outcome = await attempt((id) => signed(peer, craftResponse(peer, app.url, SLUG, id, { issuer: 'https://other-idp.example' })));
    expectRefused(outcome, /Issuer/);
  });

  it('when the XML has a DOCTYPE with an entity, then it is refused before any parsing of identity', async () => {
    const outcome = await attempt((id) => {
      const xml = sign(craftResponse(peer, app.url, SLUG, id), 'Assertion', KEYS.idp);
      return encode(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY lol "lol">]>${xml}`);
    });
    expectRefused(outcome, /DOCTYPE/);
  });

  it('when the signature uses SHA-1 and the IdP is not allowed it, then it is refused', async () => {
    const outcome = await attempt((id) => encode(sign(craftResponse(peer, app.url, SLUG, id), 'Assertion', KEYS.idp, 'sha1')));
    expectRefused(outcome, /SHA-256/);
  });

  it('when the same valid response is posted twice with the pre-login cookie, then the second is refused', async () => {
    const browser = new Browser();
    const { requestId } = await startSamlLogin(browser, app.url, SLUG);
    const cookie = browser.cookie('rolegate_login') ?? '';
    const response = signed(peer, craftResponse(peer, app.url, SLUG, requestId));
    expect((await postAcs(browser, app.url, SLUG, response)).status).toBe(200);
    const replayer = new Browser();
    replayer.cookies.set('rolegate_login', { value: cookie, attributes: '' });
    const res = await postAcs(replayer, app.url, SLUG, response);
    expect(res.status).toBe(401);
    expect(replayer.cookie('rolegate_session')).toBeUndefined();
  });

  // SAML Core §3.2.2.2: anything but a top-level Success means the IdP did not authenticate the
  // user, whatever assertion the response also carries.
  it.each([
    ['Responder / AuthnFailed, the Response signed by the IdP', ['Responder', 'AuthnFailed'], 'Response', /Responder \/ AuthnFailed/],
    ['Requester / RequestDenied, the assertion signed', ['Requester', 'RequestDenied'], 'Assertion', /Requester \/ RequestDenied/],
    ['Responder alone', ['Responder'], 'Response', /status Responder\./],
    ['VersionMismatch', ['VersionMismatch'], 'Assertion', /VersionMismatch/],
    ['Responder / NoPassive', ['Responder', 'NoPassive'], 'Response', /NoPassive/],
    ['Success with the error sub-status AuthnFailed', ['Success', 'AuthnFailed'], 'Response', /Success \/ AuthnFailed/],
    ['Success with a second-level Success', ['Success', 'Success'], 'Assertion', /Success \/ Success/],
    ['a non-SAML top-level code', ['urn:example:status:fine'], 'Response', /urn:example:status:fine/],
    [
      'Responder with a vendor second-level code',
      ['Responder', 'urn:vendor:MfaRequired'],
      'Assertion',
      /Responder \/ urn:vendor:MfaRequired/,
    ],
  ] as const)(
    'when the top-level status is %s and a valid assertion is present, then no session is opened',
    async (_case, codes, what, named) => {
      const statusCodes = codes.map((code) => (code.startsWith('urn:') ? code : `${STATUS}${code}`));
      const outcome = await attempt((id) =>
        encode(sign(craftResponse(peer, app.url, SLUG, id, { statusCodes, statusMessage: 'Authentication failed' }), what, KEYS.idp)),
      );
      expectRefused(outcome, /did not sign you in/);
      const problem = JSON.parse(outcome.body) as { detail: string; samlStatus: string[] };
      expect(problem.detail).toMatch(named);
      expect(problem.samlStatus).toEqual(statusCodes);
      expect(outcome.audit[0]?.reason).toMatch(named);
      expect(outcome.audit[0]?.details).toEqual({ samlStatus: statusCodes, samlStatusMessage: 'Authentication failed' });
    },
  );

  it.each([
    ['no Status', (xml: string) => xml.replace(/<samlp:Status>.*?<\/samlp:Status>/, ''), /exactly one Status/],
    ['two Status elements', (xml: string) => xml.replace(/(<samlp:Status>.*?<\/samlp:Status>)/, '$1$1'), /exactly one Status/],
    [
      'a Status without StatusCode',
      (xml: string) => xml.replace(/<samlp:Status>.*?<\/samlp:Status>/, '<samlp:Status/>'),
      /without a StatusCode/,
    ],
    [
      'a StatusCode without Value',
      (xml: string) => xml.replace(/<samlp:StatusCode Value="[^"]*"/, '<samlp:StatusCode'),
      /malformed StatusCode/,
    ],
  ])('when the response has %s, then it is refused', async (_case, edit, reason) => {
    const outcome = await attempt((id) => encode(sign(edit(craftResponse(peer, app.url, SLUG, id)), 'Response', KEYS.idp)));
    expectRefused(outcome, reason);
  });

  it('when a browser gets an IdP error status, then the page says the IdP did not sign it in and names the status', async () => {
    const browser = new Browser({ accept: 'text/html' });
    const { requestId } = await startSamlLogin(browser, app.url, SLUG);
    const statusCodes = [`${STATUS}Responder`, `${STATUS}AuthnFailed`];
    const res = await postAcs(
      browser,
      app.url,
      SLUG,
      encode(sign(craftResponse(peer, app.url, SLUG, requestId, { statusCodes }), 'Response', KEYS.idp)),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const page = await res.text();
    expect(page).toContain('The identity provider did not sign you in');
    expect(page).toContain('Responder / AuthnFailed');
    expect((await browser.request(`${app.url}/api/v1/me`)).status).toBe(401);
  });

  it('when the body is larger than saml.maxBodyBytes, then it is 413 without parsing', async () => {
    const res = await postAcs(new Browser(), app.url, SLUG, 'A'.repeat(600_000));
    expect(res.status).toBe(413);
  });
});

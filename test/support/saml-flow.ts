import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { buildResponse, encode, sign, SAML_USERS, type ResponseSpec, type SamlIdpPeer } from '../peers/saml-idp.js';
import { Browser, formAction, formField } from './browser.js';

/** rolegate's SAML endpoints for one IdP slug. */
export function samlUrls(appUrl: string, slug: string) {
  return {
    login: `${appUrl}/auth/saml/${slug}/login`,
    acs: `${appUrl}/auth/saml/${slug}/acs`,
    metadata: `${appUrl}/auth/saml/${slug}/metadata`,
    entityId: `${appUrl}/auth/saml/${slug}/metadata`,
  };
}

/** Starts an SP-initiated sign-in and stops at the IdP; returns the AuthnRequest rolegate sent. */
export async function startSamlLogin(browser: Browser, appUrl: string, slug: string, returnTo?: string) {
  const query = returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : '';
  const res = await browser.request(`${samlUrls(appUrl, slug).login}${query}`);
  const location = new URL(res.headers.get('location') ?? '');
  const xml = inflateRawSync(Buffer.from(location.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element | null;
  return { location, requestId: root?.getAttribute('ID') ?? '', xml };
}

/** A response to `requestId` for `user`, signed on the assertion with the IdP's key unless told otherwise. */
export function craftResponse(
  peer: SamlIdpPeer,
  appUrl: string,
  slug: string,
  requestId: string | undefined,
  overrides: Partial<ResponseSpec> = {},
  user = 'alice',
): string {
  const u = SAML_USERS[user];
  if (!u) throw new Error(`no user ${user}`);
  const urls = samlUrls(appUrl, slug);
  return buildResponse({ issuer: peer.entityId, acsUrl: urls.acs, audience: urls.entityId, inResponseTo: requestId, ...u, ...overrides });
}

export const signed = (peer: SamlIdpPeer, xml: string) => encode(sign(xml, 'Assertion', peer.signingKeys));

export async function postAcs(browser: Browser, appUrl: string, slug: string, samlResponse: string, relayState?: string) {
  return browser.request(samlUrls(appUrl, slug).acs, {
    method: 'POST',
    form: { SAMLResponse: samlResponse, ...(relayState !== undefined ? { RelayState: relayState } : {}) },
  });
}

/** The whole SP-initiated flow through the IdP peer's login form; returns the ACS answer. */
export async function samlSignIn(browser: Browser, appUrl: string, slug: string, user: string, returnTo?: string) {
  const { location } = await startSamlLogin(browser, appUrl, slug, returnTo);
  const form = await (await browser.request(location.href)).text();
  const loginPage = await browser.request(new URL('/sso/login', location).href, {
    method: 'POST',
    form: {
      user,
      requestId: formField(form, 'requestId') ?? '',
      acs: formField(form, 'acs') ?? '',
      audience: formField(form, 'audience') ?? '',
    },
  });
  const autoPost = await loginPage.text();
  const action = formAction(autoPost) ?? '';
  return browser.request(action, { method: 'POST', form: { SAMLResponse: formField(autoPost, 'SAMLResponse') ?? '' } });
}

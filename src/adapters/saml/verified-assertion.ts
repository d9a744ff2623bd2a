import type { Profile } from '@node-saml/node-saml';
import { RolegateError } from '../../domain/errors.js';
import type { SamlAssertion, SamlIdentityProvider } from '../../ports/saml-gateway.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

type Node = Record<string, unknown> & { $?: Record<string, string>; _?: string };

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });
const children = (node: Node | undefined, name: string): Node[] => {
  const value = node?.[name];
  return Array.isArray(value) ? (value as Node[]) : [];
};
const text = (node: Node | string | undefined): string | undefined => (typeof node === 'string' ? node : node?._);
const time = (value: string | undefined, what: string): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw reject(`The SAML assertion has an unreadable ${what}`);
  return ms;
};

/**
 * Reads the assertion node-saml verified (the signed bytes, canonicalised:
 * comments are gone, so a NameID is its full text) and applies the checks
 * node-saml leaves to us: the issuer is the IdP whose certificate verified the
 * signature; a bearer SubjectConfirmation addressed to this ACS URL, with
 * NotOnOrAfter, answering our request (or no request, for IdP-initiated).
 */
export function readVerifiedAssertion(
  profile: Profile,
  context: { idp: SamlIdentityProvider; acsUrl: string; expectedRequestId: string | null; now: number; clockSkewMs: number },
): SamlAssertion {
  const parsed = profile.getAssertion?.() as { Assertion?: Node } | undefined;
  const assertion = parsed?.Assertion;
  if (!assertion) throw reject('The SAML assertion could not be read from the signed data');

  const issuer = text(children(assertion, 'Issuer')[0]);
  if (issuer !== context.idp.settings.entityId) {
    throw reject(`The SAML assertion Issuer ${String(issuer).slice(0, 200)} is not the entityID of identity provider ${context.idp.slug}`);
  }
  const assertionId = assertion.$?.ID;
  if (!assertionId) throw reject('The SAML assertion has no ID');

  const subject = children(assertion, 'Subject')[0];
  const nameIdNode = children(subject, 'NameID')[0];
  const nameId = text(nameIdNode);
  if (!nameId || typeof profile.nameID !== 'string' || profile.nameID !== nameId) throw reject('The SAML assertion has no NameID');

  const confirmation = children(subject, 'SubjectConfirmation')
    .filter((c) => c.$?.Method === BEARER)
    .map((c) => children(c, 'SubjectConfirmationData')[0]?.$ ?? {})
    .find((data) => data.Recipient === context.acsUrl);
  if (!confirmation)
    throw reject(`The SAML assertion has no bearer SubjectConfirmation whose Recipient is this ACS URL (${context.acsUrl})`);
  const confirmedUntil = time(confirmation.NotOnOrAfter, 'SubjectConfirmationData NotOnOrAfter');
  if (confirmedUntil === undefined) throw reject('The SAML SubjectConfirmationData has no NotOnOrAfter');
  if (context.now - context.clockSkewMs >= confirmedUntil) throw reject('The SAML assertion has expired (NotOnOrAfter is in the past)');
  if (context.expectedRequestId === null) {
    if (confirmation.InResponseTo)
      throw reject('The SAML response answers a sign-in request that this browser did not start (InResponseTo)');
  } else if (confirmation.InResponseTo !== context.expectedRequestId) {
    throw reject('InResponseTo does not match the sign-in request this browser started');
  }

  const conditions = children(assertion, 'Conditions')[0];
  const conditionsUntil = time(conditions?.$?.NotOnOrAfter, 'Conditions NotOnOrAfter');
  const authn = children(assertion, 'AuthnStatement')[0];
  const classRef = text(children(children(authn, 'AuthnContext')[0], 'AuthnContextClassRef')[0]);
  const sessionNotOnOrAfter = time(authn?.$?.SessionNotOnOrAfter, 'SessionNotOnOrAfter');
  const authnInstant = time(authn?.$?.AuthnInstant, 'AuthnInstant');

  const attributes: Record<string, string[]> = {};
  for (const statement of children(assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, 'Attribute')) {
      const name = attribute.$?.Name;
      if (!name) continue;
      const values = children(attribute, 'AttributeValue')
        .map((v) => text(v))
        .filter((v): v is string => typeof v === 'string');
      attributes[name] = [...(attributes[name] ?? []), ...values];
    }
  }

  return {
    issuer,
    assertionId,
    nameId,
    ...(nameIdNode?.$?.Format ? { nameIdFormat: nameIdNode.$.Format } : {}),
    ...(authn?.$?.SessionIndex ? { sessionIndex: authn.$.SessionIndex } : {}),
    attributes,
    notOnOrAfter: Math.min(confirmedUntil, conditionsUntil ?? Infinity),
    ...(sessionNotOnOrAfter !== undefined ? { sessionNotOnOrAfter } : {}),
    ...(classRef ? { authnContextClassRef: classRef } : {}),
    ...(authnInstant !== undefined ? { authnInstant } : {}),
    ...(confirmation.InResponseTo ? { inResponseTo: confirmation.InResponseTo } : {}),
  };
}

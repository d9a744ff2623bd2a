import { X509Certificate } from 'node:crypto';
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { SigningKey } from '../../../src/adapters/issuer/key-material.js';
import type { SamlResponseFields } from '../../../src/adapters/issuer/saml-response.js';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const AWS_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
const ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const UNSPECIFIED_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
// The conditions start slightly in the past so that a receiver whose clock is behind accepts them.
const NOT_BEFORE_SKEW_MS = 60_000;

/**
 * TEST REFERENCE ONLY: rolegate's former minting path (a DOM, then xml-crypto's
 * SignedXml), kept to compare what the canonical-form minting in
 * src/adapters/issuer/saml-response.ts produces with what a general XML-DSig
 * signer produces for the same fields and ids.
 *
 * A SAML 2.0 Response for AWS (SAML core §3.3.3, §2.3–2.7; AWS IAM user guide
 * "Configuring SAML assertions for the authentication response"), built with a
 * DOM so every value is escaped, with the Assertion signed (enveloped
 * RSA-SHA256, exclusive c14n, signature right after the Assertion's Issuer as
 * the schema requires). AWS requires the assertion to be signed; rolegate
 * signs the assertion only — what AWS reads — like most IdPs registered with
 * AWS, and the Response carries no other security-relevant content.
 */
export function buildSignedSamlResponseWithXmlCrypto(
  fields: SamlResponseFields,
  key: SigningKey,
  ids: { responseId: string; assertionId: string },
): { xml: string; responseId: string; assertionId: string } {
  const { responseId, assertionId } = ids;
  const doc = new DOMImplementation().createDocument(SAMLP, 'samlp:Response', null);
  const response = doc.documentElement as Element;
  response.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:saml', SAML);
  setAttributes(response, { ID: responseId, Version: '2.0', IssueInstant: iso(fields.issuedAt), Destination: fields.recipient });
  response.appendChild(issuer(doc, fields.issuer));
  const status = child(doc, response, SAMLP, 'samlp:Status');
  setAttributes(child(doc, status, SAMLP, 'samlp:StatusCode'), { Value: 'urn:oasis:names:tc:SAML:2.0:status:Success' });

  const assertion = child(doc, response, SAML, 'saml:Assertion');
  setAttributes(assertion, { ID: assertionId, Version: '2.0', IssueInstant: iso(fields.issuedAt) });
  assertion.appendChild(issuer(doc, fields.issuer));

  const subject = child(doc, assertion, SAML, 'saml:Subject');
  const nameId = child(doc, subject, SAML, 'saml:NameID', fields.nameId);
  setAttributes(nameId, { Format: PERSISTENT });
  const confirmation = child(doc, subject, SAML, 'saml:SubjectConfirmation');
  setAttributes(confirmation, { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' });
  setAttributes(child(doc, confirmation, SAML, 'saml:SubjectConfirmationData'), {
    NotOnOrAfter: iso(fields.notOnOrAfter),
    Recipient: fields.recipient,
  });

  const conditions = child(doc, assertion, SAML, 'saml:Conditions');
  setAttributes(conditions, {
    NotBefore: iso(new Date(fields.issuedAt.getTime() - NOT_BEFORE_SKEW_MS)),
    NotOnOrAfter: iso(fields.notOnOrAfter),
  });
  child(doc, child(doc, conditions, SAML, 'saml:AudienceRestriction'), SAML, 'saml:Audience', fields.audience);

  const authn = child(doc, assertion, SAML, 'saml:AuthnStatement');
  setAttributes(authn, { AuthnInstant: iso(fields.authnInstant), SessionIndex: assertionId });
  child(
    doc,
    child(doc, authn, SAML, 'saml:AuthnContext'),
    SAML,
    'saml:AuthnContextClassRef',
    fields.authnContextClass ?? UNSPECIFIED_CONTEXT,
  );

  const statement = child(doc, assertion, SAML, 'saml:AttributeStatement');
  for (const [name, values] of fields.attributes) {
    const attribute = child(doc, statement, SAML, 'saml:Attribute');
    setAttributes(attribute, { Name: `${AWS_ATTRIBUTE}${name}`, NameFormat: URI_FORMAT });
    for (const value of values) child(doc, attribute, SAML, 'saml:AttributeValue', value);
  }

  const unsigned = new XMLSerializer().serializeToString(doc, false, undefined, { requireWellFormed: true });
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificatePem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    // KeyInfo carries the signing certificate (informational: AWS trusts only the registered one).
    getKeyInfoContent: ({ prefix }: { prefix?: string | null } = {}) => {
      const ds = prefix ? `${prefix}:` : '';
      return `<${ds}X509Data><${ds}X509Certificate>${certificateBase64(key)}</${ds}X509Certificate></${ds}X509Data>`;
    },
  });
  // Absolute paths (not `//…`): the XPath engine then walks two levels instead of the whole document.
  const assertionPath = `/*[local-name(.)='Response']/*[local-name(.)='Assertion' and @ID='${assertionId}']`;
  signer.addReference({
    xpath: assertionPath,
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  signer.computeSignature(unsigned, {
    prefix: 'ds',
    location: { reference: `${assertionPath}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return { xml: signer.getSignedXml(), responseId, assertionId };
}

const certificates = new WeakMap<SigningKey, string>();

/** The DER certificate in base64, computed once per key. */
function certificateBase64(key: SigningKey): string {
  let value = certificates.get(key);
  if (value === undefined) {
    value = new X509Certificate(key.certificatePem).raw.toString('base64');
    certificates.set(key, value);
  }
  return value;
}

function issuer(doc: Document, entityId: string): Element {
  const element = doc.createElementNS(SAML, 'saml:Issuer');
  element.setAttribute('Format', ENTITY);
  element.appendChild(doc.createTextNode(entityId));
  return element;
}

function child(doc: Document, parent: Element, ns: string, name: string, text?: string): Element {
  const element = doc.createElementNS(ns, name);
  if (text !== undefined) element.appendChild(doc.createTextNode(text));
  parent.appendChild(element);
  return element;
}

function setAttributes(element: Element, attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
}

/** xs:dateTime in UTC with milliseconds, as SAML requires (no offset other than Z). */
function iso(date: Date): string {
  return date.toISOString();
}

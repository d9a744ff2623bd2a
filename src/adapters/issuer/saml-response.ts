import { createHash, randomBytes, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { RolegateError } from '../../domain/errors.js';
import type { SigningKey } from './key-material.js';
import { isXmlText } from './xml-text.js';

export const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const DS = 'http://www.w3.org/2000/09/xmldsig#';
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
const AWS_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/';
const ENTITY = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const UNSPECIFIED_CONTEXT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified';
// The conditions start slightly in the past so that a receiver whose clock is behind accepts them.
const NOT_BEFORE_SKEW_MS = 60_000;

export interface SamlResponseFields {
  issuer: string;
  nameId: string;
  recipient: string;
  audience: string;
  issuedAt: Date;
  notOnOrAfter: Date;
  authnInstant: Date;
  authnContextClass?: string;
  /** Attribute name (after the AWS prefix) → values, in order. */
  attributes: [string, string[]][];
}

/** SAML ids must be xs:ID (NCName): a letter or underscore first. 160 random bits. */
export function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

/**
 * A SAML 2.0 Response for AWS (SAML core §3.3.3, §2.3–2.7; AWS IAM user guide
 * "Configuring SAML assertions for the authentication response"), with the
 * Assertion signed: enveloped RSA-SHA256 over exclusive XML canonicalisation,
 * the signature right after the Assertion's Issuer as the schema requires.
 * AWS requires the assertion to be signed; rolegate signs the assertion only —
 * what AWS reads — like most IdPs registered with AWS, and the Response
 * carries no other security-relevant content.
 *
 * The Assertion is written directly in its Exclusive XML Canonicalization form
 * (https://www.w3.org/TR/xml-exc-c14n/, over https://www.w3.org/TR/xml-c14n/ §2.3
 * and §1.1 of the first), so signing needs no canonicalisation pass: the
 * reference digest is one SHA-256 of those bytes without the Signature (what
 * the enveloped-signature transform leaves), SignedInfo is written in its
 * canonical form too, and one RSA signature covers it. What a verifier parses
 * and canonicalises again is these very bytes:
 * - no XML declaration, no whitespace between elements, no comments;
 * - every element has a start and an end tag (never `<x/>`);
 * - the apex (Assertion, SignedInfo) declares the one prefix it and its
 *   descendants use (`saml`, `ds`) and nothing else; no descendant redeclares it;
 * - attributes after the namespace declaration, sorted by name (all are
 *   unqualified, so by local name, in code-point order);
 * - text escapes `&` `<` `>` and CR (`&#xD;`); attribute values escape `&` `<`
 *   `"` TAB LF CR (`&#x9;` `&#xA;` `&#xD;`); nothing else is escaped (`'`, `>`
 *   in attributes and every non-ASCII character are written as UTF-8);
 * - a value that holds a character XML cannot carry (controls, lone
 *   surrogates, U+FFFE/U+FFFF) is refused, never stripped or replaced.
 * One exception, in the document only: U+0085 (NEL) and U+2028 (LINE
 * SEPARATOR) are written as character references there (`&#x85;`, `&#x2028;`),
 * because XML 1.1 parsers — and @xmldom/xmldom, which xml-crypto and node-saml
 * parse with, for XML 1.0 too — read them raw as line ends and turn them into
 * LF (or a space in an attribute). A reference is read as the character itself
 * by every parser, and the digest covers the canonical form, where it is the
 * character itself.
 */
export async function buildSignedSamlResponse(
  fields: SamlResponseFields,
  key: SigningKey,
): Promise<{ xml: string; responseId: string; assertionId: string }> {
  const responseId = newSamlId();
  const assertionId = newSamlId();
  const issuedAt = iso(fields.issuedAt);
  const notOnOrAfter = iso(fields.notOnOrAfter);
  const issuer = element('saml:Issuer', [['Format', ENTITY]], fields.issuer);

  // The Assertion without its Signature, canonical: `head` + `issuer` + `body`.
  const head = `<saml:Assertion xmlns:saml="${SAML}"${attributes([
    ['ID', assertionId],
    ['IssueInstant', issuedAt],
    ['Version', '2.0'],
  ])}>`;
  let body =
    '<saml:Subject>' +
    element('saml:NameID', [['Format', PERSISTENT]], fields.nameId) +
    `<saml:SubjectConfirmation${attributes([['Method', 'urn:oasis:names:tc:SAML:2.0:cm:bearer']])}>` +
    element('saml:SubjectConfirmationData', [
      ['NotOnOrAfter', notOnOrAfter],
      ['Recipient', fields.recipient],
    ]) +
    '</saml:SubjectConfirmation></saml:Subject>' +
    `<saml:Conditions${attributes([
      ['NotBefore', iso(new Date(fields.issuedAt.getTime() - NOT_BEFORE_SKEW_MS))],
      ['NotOnOrAfter', notOnOrAfter],
    ])}>` +
    `<saml:AudienceRestriction>${element('saml:Audience', [], fields.audience)}</saml:AudienceRestriction>` +
    '</saml:Conditions>' +
    `<saml:AuthnStatement${attributes([
      ['AuthnInstant', iso(fields.authnInstant)],
      ['SessionIndex', assertionId],
    ])}>` +
    `<saml:AuthnContext>${element('saml:AuthnContextClassRef', [], fields.authnContextClass ?? UNSPECIFIED_CONTEXT)}</saml:AuthnContext>` +
    '</saml:AuthnStatement><saml:AttributeStatement>';
  for (const [name, values] of fields.attributes) {
    body += `<saml:Attribute${attributes([
      ['Name', `${AWS_ATTRIBUTE}${name}`],
      ['NameFormat', URI_FORMAT],
    ])}>`;
    for (const value of values) body += element('saml:AttributeValue', [], value);
    body += '</saml:Attribute>';
  }
  body += '</saml:AttributeStatement></saml:Assertion>';

  const digest = createHash('sha256').update(head).update(issuer).update(body).digest('base64');
  // SignedInfo's children; canonical SignedInfo is them inside `<ds:SignedInfo xmlns:ds="…">`.
  const signedInfoContent =
    `<ds:CanonicalizationMethod Algorithm="${EXC_C14N}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${RSA_SHA256}"></ds:SignatureMethod>` +
    `<ds:Reference URI="#${assertionId}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${ENVELOPED}"></ds:Transform>` +
    `<ds:Transform Algorithm="${EXC_C14N}"></ds:Transform>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${SHA256}"></ds:DigestMethod>` +
    `<ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  const signatureValue = (
    await signAsync('sha256', Buffer.from(`<ds:SignedInfo xmlns:ds="${DS}">${signedInfoContent}</ds:SignedInfo>`, 'utf8'), key.privateKey)
  ).toString('base64');
  // In the document, ds is declared on Signature: SignedInfo canonicalised in place is the text signed above.
  const signature =
    `<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo>${signedInfoContent}</ds:SignedInfo>` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    // KeyInfo carries the signing certificate (informational: AWS trusts only the registered one).
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBase64(key)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';

  // The Response is not signed; written in the same form for one set of rules.
  const xml =
    inDocument(
      `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}"${attributes([
        ['Destination', fields.recipient],
        ['ID', responseId],
        ['IssueInstant', issuedAt],
        ['Version', '2.0'],
      ])}>` + issuer,
    ) +
    `<samlp:Status><samlp:StatusCode${attributes([['Value', 'urn:oasis:names:tc:SAML:2.0:status:Success']])}></samlp:StatusCode></samlp:Status>` +
    inDocument(head + issuer) +
    signature +
    inDocument(body) +
    '</samlp:Response>';
  return { xml, responseId, assertionId };
}

/**
 * The RSA signature on libuv's thread pool (node:crypto's callback form): the event loop is not
 * held for the one costly step of minting, and other requests are served meanwhile.
 */
const signAsync = promisify(sign);

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

/** An element with (sorted) attributes and text content, or empty: always a start and an end tag. */
function element(name: string, attrs: [string, string][], text = ''): string {
  return `<${name}${attributes(attrs)}>${escapeText(text)}</${name}>`;
}

/** ` name="value"…` sorted by name; every name here is an unqualified ASCII constant. */
function attributes(attrs: [string, string][]): string {
  const sorted = attrs.length > 1 ? [...attrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : attrs;
  let out = '';
  for (const [name, value] of sorted) out += ` ${name}="${escapeAttribute(value)}"`;
  return out;
}

const TEXT_SPECIAL = /[&<>\r]/g;
const ATTRIBUTE_SPECIAL = /[&<"\t\n\r]/g;
const REFERENCES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/** Canonical XML text node (C14N §2.3 "Text Nodes"). */
export function escapeText(value: string): string {
  checkXmlText(value);
  return value.replace(TEXT_SPECIAL, (c) => REFERENCES[c] ?? c);
}

/** Canonical XML attribute value (C14N §2.3 "Attribute Nodes"). */
export function escapeAttribute(value: string): string {
  checkXmlText(value);
  return value.replace(ATTRIBUTE_SPECIAL, (c) => REFERENCES[c] ?? c);
}

const READ_AS_LINE_END = /[\u0085\u2028]/;
const EVERY_READ_AS_LINE_END = /[\u0085\u2028]/g;

/** Canonical text as written in the document: NEL and LINE SEPARATOR as character references (see above). */
function inDocument(canonical: string): string {
  if (!READ_AS_LINE_END.test(canonical)) return canonical;
  return canonical.replace(EVERY_READ_AS_LINE_END, (c) => (c === '\u0085' ? '&#x85;' : '&#x2028;'));
}

function checkXmlText(value: string): void {
  if (!isXmlText(value)) throw new RolegateError('server_error', { detail: 'refusing to mint: a value holds characters XML cannot carry' });
}

/** xs:dateTime in UTC with milliseconds, as SAML requires (no offset other than Z). */
function iso(date: Date): string {
  return date.toISOString();
}

// The SAML assertion rolegate mints is written directly in Exclusive XML
// Canonicalization form (src/adapters/issuer/saml-response.ts). These tests
// check that claim against independent implementations, for many hostile
// values: xml-crypto's own canonicalisation of what a parser reads from the
// bytes gives the very bytes back, and the signature verifies with xml-crypto's
// SignedXml, with the devstack STS's verifier and with node-saml (which
// rolegate itself uses towards IdPs); any changed byte of the signed content
// fails; and the former xml-crypto minting path signs the same content.
import { DOMParser } from '@xmldom/xmldom';
import { SAML as NodeSaml, ValidateInResponseTo } from '@node-saml/node-saml';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { signingKeyFromPem, type SigningKey } from '../../../../src/adapters/issuer/key-material.js';
import {
  buildSignedSamlResponse,
  escapeAttribute,
  escapeText,
  type SamlResponseFields,
} from '../../../../src/adapters/issuer/saml-response.js';
import { parseXml } from '../../../../devstack/sts/saml/safe-xml.js';
import { verifySamlSignature } from '../../../../devstack/sts/saml/verify-saml-signature.js';
import { sharedTestRsaPem, testRsaPem } from '../../../support/issuer.js';
import { buildSignedSamlResponseWithXmlCrypto } from '../../../support/saml/xml-crypto-saml-response.js';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const key = signingKeyFromPem(sharedTestRsaPem());

/** Pieces hostile to an XML writer: markup, references, quotes, line ends, whitespace, non-ASCII, astral, U+FFFD. */
const PIECES = [
  '&',
  '<',
  '>',
  '"',
  "'",
  '\r',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '  ',
  ']]>',
  '<!-- x -->',
  '<![CDATA[x]]>',
  '&amp;',
  '&#xD;',
  '&#x9;',
  '&lt;',
  '&unknown;',
  '<saml:Attribute Name="x">',
  '</saml:AttributeValue>',
  '" xmlns:saml="urn:evil" a="',
  '<?xml version="1.0"?>',
  'é',
  'ß',
  '日本',
  '😀',
  '𝄞',
  '\u{10FFFF}',
  '\uFFFD',
  '\u00A0',
  '\u0085',
  '\u007F',
  '\u2028',
  '\uD7FF',
  '\uE000',
  '\u200B',
  '\uFEFF',
  'alice@corp.com',
  'arn:aws:iam::111122223333:role/Developer',
  'group:aws-dev',
  'a',
  'Z',
  '0',
  '=',
  '/',
  ':',
  ',',
];

/** A deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostile(next: () => number, { allowEmpty = true } = {}): string {
  const length = Math.floor(next() * 8) + (allowEmpty ? 0 : 1);
  let value = '';
  for (let i = 0; i < length; i++) value += PIECES[Math.floor(next() * PIECES.length)] ?? '';
  return value;
}

function hostileFields(seed: number, now = Date.now()): SamlResponseFields {
  const next = random(seed);
  const attributes: [string, string[]][] = [];
  const count = 1 + Math.floor(next() * 5);
  for (let i = 0; i < count; i++) {
    const values = Array.from({ length: Math.floor(next() * 3) + 1 }, () => hostile(next));
    attributes.push([`${String(i)}:${hostile(next)}`, values]);
  }
  return {
    issuer: hostile(next, { allowEmpty: false }),
    nameId: hostile(next, { allowEmpty: false }),
    recipient: hostile(next, { allowEmpty: false }),
    audience: hostile(next, { allowEmpty: false }),
    issuedAt: new Date(now),
    notOnOrAfter: new Date(now + 300_000),
    authnInstant: new Date(now - 60_000),
    ...(next() < 0.5 ? {} : { authnContextClass: hostile(next, { allowEmpty: false }) }),
    attributes,
  };
}

/**
 * The Assertion's bytes in the document, without the Signature, with NEL and LINE SEPARATOR as
 * themselves (the document writes them as references): what the reference digest covers.
 */
function assertionWithoutSignature(xml: string): string {
  const start = xml.indexOf('<saml:Assertion ');
  const end = xml.indexOf('</saml:Assertion>') + '</saml:Assertion>'.length;
  const signatureStart = xml.indexOf('<ds:Signature ');
  const signatureEnd = xml.indexOf('</ds:Signature>') + '</ds:Signature>'.length;
  expect(start).toBeGreaterThan(0);
  expect(signatureStart).toBeGreaterThan(start);
  return (xml.slice(start, signatureStart) + xml.slice(signatureEnd, end)).replace(/&#x85;/g, '\u0085').replace(/&#x2028;/g, '\u2028');
}

function xmlCryptoVerify(xml: string, certificatePem: string): { valid: boolean; signed: string[] } {
  const doc = parseXml(xml);
  const signatures = doc.getElementsByTagNameNS(DS, 'Signature');
  expect(signatures).toHaveLength(1);
  const verifier = new SignedXml({ publicCert: certificatePem, getCertFromKeyInfo: () => null });
  verifier.loadSignature(signatures[0] as Node);
  let valid = false;
  try {
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  return { valid, signed: valid ? verifier.getSignedReferences() : [] };
}

/**
 * node-saml re-parses the canonical signed bytes with @xmldom/xmldom, which reads a raw NEL or LINE
 * SEPARATOR as a line end (XML 1.1's rule): LF in text, a space in an attribute value. That is what
 * node-saml reads, not what was signed (AWS, the devstack and xml-crypto's verification read them whole).
 */
function asNodeSamlReads(value: string, where: 'text' | 'attribute' = 'text'): string {
  return value.replace(/[\u0085\u2028]/g, where === 'text' ? '\n' : ' ');
}

async function nodeSamlProfile(xml: string, fields: SamlResponseFields, certificatePem: string) {
  const saml = new NodeSaml({
    idpCert: certificatePem,
    idpIssuer: asNodeSamlReads(fields.issuer),
    issuer: 'urn:rolegate:test-sp',
    audience: asNodeSamlReads(fields.audience),
    callbackUrl: 'https://signin.aws.amazon.com/saml',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: 120_000,
  });
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml, 'utf8').toString('base64') });
  return profile;
}

function text(element: Element | undefined): string | undefined {
  return element?.textContent ?? undefined;
}

/** What a relying party reads from the signed assertion, checked against what was minted. */
function expectReadsBack(signed: Element, fields: SamlResponseFields): void {
  const one = (name: string) => signed.getElementsByTagNameNS(SAML, name)[0];
  expect(text(one('Issuer'))).toBe(fields.issuer);
  expect(text(one('NameID'))).toBe(fields.nameId);
  expect(text(one('Audience'))).toBe(fields.audience);
  expect(one('SubjectConfirmationData')?.getAttribute('Recipient')).toBe(fields.recipient);
  if (fields.authnContextClass !== undefined) expect(text(one('AuthnContextClassRef'))).toBe(fields.authnContextClass);
  const attributes = Array.from(signed.getElementsByTagNameNS(SAML, 'Attribute')).map((a): [string, string[]] => [
    a.getAttribute('Name') ?? '',
    Array.from(a.getElementsByTagNameNS(SAML, 'AttributeValue')).map((v) => v.textContent),
  ]);
  expect(attributes).toEqual(fields.attributes.map(([name, values]) => [`${ATTR}${name}`, values]));
}

describe('canonical escaping (C14N §2.3, as exclusive c14n inherits it)', () => {
  it.each([
    ['markup and ampersands', 'a&b<c>d', 'a&amp;b&lt;c&gt;d', 'a&amp;b&lt;c>d'],
    ['quotes', `"x'`, `"x'`, `&quot;x'`],
    ['CR, LF, TAB', '\r\n\t', '&#xD;\n\t', '&#xD;&#xA;&#x9;'],
    ['references already in the value', '&amp;&#xD;', '&amp;amp;&amp;#xD;', '&amp;amp;&amp;#xD;'],
    ['non-ASCII, astral and U+FFFD, written as themselves', 'é😀\uFFFD\u0085\u2028', 'é😀\uFFFD\u0085\u2028', 'é😀\uFFFD\u0085\u2028'],
    ['CDATA end and comment', ']]><!--', ']]&gt;&lt;!--', ']]>&lt;!--'],
  ])('when a value holds %s, then text and attribute are escaped exactly as c14n writes them', (_what, value, asText, asAttribute) => {
    expect(escapeText(value)).toBe(asText);
    expect(escapeAttribute(value)).toBe(asAttribute);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a C0 control', '\u0001'],
    ['vertical tab', '\u000B'],
    ['form feed', '\u000C'],
    ['unit separator', '\u001F'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', '\uDFFF'],
    ['surrogates in the wrong order', '\uDC00\uD800'],
  ])('when a value holds %s, then minting refuses it rather than strip or replace it', async (_what, bad) => {
    expect(() => escapeText(`x${bad}`)).toThrow('refusing to mint');
    expect(() => escapeAttribute(`x${bad}`)).toThrow('refusing to mint');
    const fields = hostileFields(1);
    for (const broken of [
      { ...fields, nameId: bad },
      { ...fields, recipient: bad },
      { ...fields, issuer: bad },
      { ...fields, authnContextClass: bad },
      { ...fields, attributes: [[`Tag${bad}`, ['v']]] as [string, string[]][] },
      { ...fields, attributes: [['Tag', ['ok', bad]]] as [string, string[]][] },
    ]) {
      await expect(buildSignedSamlResponse(broken, key)).rejects.toThrow('refusing to mint');
    }
  });
});

describe('buildSignedSamlResponse with hostile values (property-style, fixed seeds)', () => {
  const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

  it(`when ${String(SEEDS.length)} responses of hostile values are minted, then xml-crypto's exclusive c14n of the parsed Assertion and SignedInfo is byte for byte what was written, and xml-crypto and the devstack STS verify it and read every value back`, async () => {
    for (const seed of SEEDS) {
      const fields = hostileFields(seed);
      const { xml, assertionId } = await buildSignedSamlResponse(fields, key);
      const ours = assertionWithoutSignature(xml);

      // xml-crypto's canonicaliser over the strictly parsed document, Signature removed (the enveloped transform).
      const assertion = parseXml(xml).getElementsByTagNameNS(SAML, 'Assertion')[0] as Element;
      const signature = assertion.getElementsByTagNameNS(DS, 'Signature')[0] as Element;
      const signedInfo = signature.getElementsByTagNameNS(DS, 'SignedInfo')[0] as Element;
      const c14n = new ExclusiveCanonicalization();
      const canonicalSignedInfo = c14n.process(signedInfo, {});
      assertion.removeChild(signature);
      expect(c14n.process(assertion, {}), `seed ${String(seed)}`).toBe(ours);
      expect(canonicalSignedInfo, `seed ${String(seed)}`).toBe(
        `<ds:SignedInfo xmlns:ds="${DS}">${xml.slice(xml.indexOf('<ds:SignedInfo>') + '<ds:SignedInfo>'.length, xml.indexOf('</ds:SignedInfo>'))}</ds:SignedInfo>`,
      );

      const checked = xmlCryptoVerify(xml, key.certificatePem);
      expect(checked.valid, `seed ${String(seed)}`).toBe(true);
      expect(checked.signed).toEqual([ours]);

      const verified = verifySamlSignature(xml, [key.certificatePem]);
      expect(verified.responseSigned).toBe(false);
      expect(verified.assertion.getAttribute('ID')).toBe(assertionId);
      expectReadsBack(verified.assertion, fields);
    }
  }, 120_000);

  it('when hostile responses are minted, then node-saml validates each against the pinned certificate and reads the values back', async () => {
    for (const seed of SEEDS.slice(0, 60)) {
      // node-saml reads an Issuer, NameID or Audience of only whitespace as absent: give each a visible start.
      const hostileOnes = hostileFields(seed);
      const fields = {
        ...hostileOnes,
        issuer: `i${hostileOnes.issuer}`,
        nameId: `n${hostileOnes.nameId}`,
        audience: `a${hostileOnes.audience}`,
      };
      const { xml } = await buildSignedSamlResponse(fields, key);
      const profile = await nodeSamlProfile(xml, fields, key.certificatePem);
      expect(profile?.issuer, `seed ${String(seed)}`).toBe(asNodeSamlReads(fields.issuer));
      expect(profile?.nameID, `seed ${String(seed)}`).toBe(asNodeSamlReads(fields.nameId));
      for (const [name, raw] of fields.attributes) {
        // node-saml gives an empty AttributeValue as undefined.
        const values = raw.map((v) => (v === '' ? undefined : asNodeSamlReads(v)));
        const read = profile?.[`${ATTR}${asNodeSamlReads(name, 'attribute')}`];
        expect(read, `seed ${String(seed)} attribute ${name}`).toEqual(values.length === 1 ? values[0] : values);
      }
    }
  }, 120_000);

  it('when verified against another key, then xml-crypto, the devstack STS and node-saml all refuse it', async () => {
    const other = signingKeyFromPem(testRsaPem());
    const fields = hostileFields(7);
    const { xml } = await buildSignedSamlResponse(fields, key);
    expect(xmlCryptoVerify(xml, other.certificatePem).valid).toBe(false);
    expect(() => verifySamlSignature(xml, [other.certificatePem])).toThrow();
    await expect(nodeSamlProfile(xml, fields, other.certificatePem)).rejects.toThrow(/signature/i);
  });

  it('when minted with the same fields and ids as the former xml-crypto path, then both sign the same canonical assertion', async () => {
    // Without CR, LF, TAB, NEL and LINE SEPARATOR: the DOM path wrote them raw, and a parser turns raw
    // CR into LF and, in attributes, raw TAB/LF/CR into spaces (xmldom NEL and LINE SEPARATOR too), so
    // it signed an altered value where the canonical writer escapes them and the value reads back whole
    // (see the tests above).
    const noLineEnds = (fields: SamlResponseFields): SamlResponseFields => {
      const clean = (v: string) => v.replace(/[\r\n\t\u0085\u2028]/g, '_');
      return {
        ...fields,
        issuer: clean(fields.issuer),
        nameId: clean(fields.nameId),
        recipient: clean(fields.recipient),
        audience: clean(fields.audience),
        ...(fields.authnContextClass === undefined ? {} : { authnContextClass: clean(fields.authnContextClass) }),
        attributes: fields.attributes.map(([name, values]) => [clean(name), values.map(clean)]),
      };
    };
    for (const seed of SEEDS.slice(0, 60)) {
      const fields = noLineEnds(hostileFields(seed));
      const ours = await buildSignedSamlResponse(fields, key);
      const reference = buildSignedSamlResponseWithXmlCrypto(fields, key, ours);
      const a = xmlCryptoVerify(ours.xml, key.certificatePem);
      const b = xmlCryptoVerify(reference.xml, key.certificatePem);
      expect(a.valid && b.valid, `seed ${String(seed)}`).toBe(true);
      expect(a.signed, `seed ${String(seed)}`).toEqual(b.signed);
      // Same content, same canonical form: the digests in SignedInfo agree.
      const digest = (xml: string) => /<ds:DigestValue>([^<]+)</.exec(xml)?.[1];
      expect(digest(ours.xml)).toBe(digest(reference.xml));
    }
  }, 120_000);

  it('when the value holds CR, LF and TAB, then the former DOM path loses them and the canonical writer keeps them', async () => {
    const fields: SamlResponseFields = { ...hostileFields(3), nameId: 'a\rb', attributes: [['PrincipalTag:x', ['c\r\nd\te']]] };
    const ours = verifySamlSignature((await buildSignedSamlResponse(fields, key)).xml, [key.certificatePem]).assertion;
    expect(text(ours.getElementsByTagNameNS(SAML, 'NameID')[0])).toBe('a\rb');
    expect(text(ours.getElementsByTagNameNS(SAML, 'AttributeValue')[0])).toBe('c\r\nd\te');
    const reference = buildSignedSamlResponseWithXmlCrypto(fields, key, { responseId: '_r', assertionId: '_a' });
    const theirs = verifySamlSignature(reference.xml, [key.certificatePem]).assertion;
    expect(text(theirs.getElementsByTagNameNS(SAML, 'NameID')[0])).toBe('a\nb');
  });
});

/**
 * Well-formed as a conforming parser requires. xmldom recovers from some well-formedness errors
 * silently or with a warning only (an end tag that does not match, an unclosed element closed by the
 * end of the document), and the devstack's parser lets warnings pass; so beside xmldom with every
 * report fatal, the tags must nest: a stack over every `<…>` of a document written as rolegate writes
 * them (no comments, CDATA, PIs or empty-element tags; `<` never in text or attribute values).
 */
function wellFormed(xml: string): boolean {
  const fail = () => {
    throw new Error('not well-formed');
  };
  try {
    new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  } catch {
    return false;
  }
  const tag = /<(\/?)([^\s/<>="']+)((?:\s+[^\s/<>="']+="[^"<]*")*)>/y;
  const open: string[] = [];
  if (!xml.startsWith('<') || !xml.endsWith('>')) return false;
  for (let i = 0; i !== -1; i = xml.indexOf('<', tag.lastIndex)) {
    if (i > 0 && open.length === 0) return false; // something after the root element
    tag.lastIndex = i;
    const match = tag.exec(xml);
    if (!match) return false;
    const [, closing, name, attrs] = match;
    if (closing === '/') {
      if (attrs !== '' || open.pop() !== name) return false;
    } else open.push(name as string);
  }
  return open.length === 0;
}

describe('buildSignedSamlResponse against tampering', () => {
  it('when any single byte of the signed Assertion is changed, then it is not well-formed or the devstack STS verifier (xml-crypto, pinned certificate) refuses it, unless what is signed is unchanged', async () => {
    const now = Date.now();
    const fields: SamlResponseFields = {
      issuer: 'https://rolegate.corp.example/saml/metadata',
      recipient: 'https://signin.aws.amazon.com/saml',
      audience: 'urn:amazon:webservices',
      issuedAt: new Date(now),
      notOnOrAfter: new Date(now + 300_000),
      authnInstant: new Date(now - 60_000),
      nameId: 'corp:a&b<c>"d\'e\r\n\t é😀\uFFFD\u2028',
      attributes: [
        ['Role', ['arn:aws:iam::111122223333:role/Developer,arn:aws:iam::111122223333:saml-provider/rolegate']],
        ['PrincipalTag:Email', ['a&b@corp.com']],
      ],
    };
    const { xml } = await buildSignedSamlResponse(fields, key);
    expect(wellFormed(xml)).toBe(true);
    const signedContent = xmlCryptoVerify(xml, key.certificatePem).signed;
    expect(signedContent).toHaveLength(1);
    const bytes = Buffer.from(xml, 'utf8');
    const at = (s: string) => bytes.indexOf(Buffer.from(s, 'utf8'));
    const start = at('<saml:Assertion ');
    const end = at('</samlp:Response>');
    // KeyInfo is not signed and is not used: a relying party verifies with the certificate it registered.
    const keyInfo = [at('<ds:KeyInfo>'), at('</ds:KeyInfo>') + '</ds:KeyInfo>'.length] as const;

    let refused = 0;
    const unchanged: number[] = [];
    for (let i = start; i < end; i++) {
      if (i >= keyInfo[0] && i < keyInfo[1]) continue;
      const tampered = Buffer.from(bytes);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      const text = tampered.toString('utf8');
      let accepted = wellFormed(text);
      try {
        if (accepted) verifySamlSignature(text, [key.certificatePem]);
      } catch {
        accepted = false;
      }
      if (!accepted) {
        refused++;
        continue;
      }
      // Accepted: then what is signed must be exactly what was signed before.
      expect(xmlCryptoVerify(text, key.certificatePem).signed, `byte ${String(i)}`).toEqual(signedContent);
      unchanged.push(i);
    }
    expect(refused).toBeGreaterThan(2000);
    // The only accepted changes: the prefix name in the Assertion's `xmlns:saml` (the Response declares the
    // same namespace, so every element is the same; exclusive c14n renders the prefix in use), and base64's
    // unused low bits in the last character of DigestValue or SignatureValue (verifiers compare bytes).
    const prefix = at('<saml:Assertion xmlns:saml=') + '<saml:Assertion xmlns:'.length;
    const lastBase64 = ['</ds:DigestValue>', '</ds:SignatureValue>'].map((tag) => {
      let i = at(tag) - 1;
      while (bytes[i] === 0x3d) i--; // '='
      return i;
    });
    const benign = new Set([prefix, prefix + 1, prefix + 2, prefix + 3, ...lastBase64]);
    for (const i of unchanged) expect(benign.has(i), `byte ${String(i)}: ${bytes.subarray(i - 30, i + 10).toString('utf8')}`).toBe(true);
  }, 120_000);
});

describe('the minted XML', () => {
  it('when parsed, then it is one well-formed Response whose Assertion declares saml and whose Signature declares ds, with no empty-element tags', async () => {
    const { xml } = await buildSignedSamlResponse(hostileFields(5), key);
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    expect(doc.documentElement.localName).toBe('Response');
    expect(xml).not.toMatch(/\/>/);
    expect(xml.startsWith('<samlp:Response ')).toBe(true);
    expect(xml).toContain(`<saml:Assertion xmlns:saml="${SAML}" ID="`);
    expect(xml).toContain(`<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo>`);
  });

  it('when the key is rotated, then each response is signed by the key given and its certificate is in KeyInfo', async () => {
    const other: SigningKey = signingKeyFromPem(testRsaPem());
    const { xml } = await buildSignedSamlResponse(hostileFields(9), other);
    expect(xmlCryptoVerify(xml, other.certificatePem).valid).toBe(true);
    expect(xmlCryptoVerify(xml, key.certificatePem).valid).toBe(false);
  });
});

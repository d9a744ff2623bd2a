import { SignedXml } from 'xml-crypto';
import { childElements, NS, onlyChild, parseXml } from './safe-xml.js';

const ALLOWED_SIGNATURE_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const ALLOWED_DIGEST_ALGORITHMS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);

export class SignatureInvalid extends Error {}

/** The parts of a SAML Response that a valid signature covers. */
export interface VerifiedSamlResponse {
  /** The Assertion, re-parsed from the exact bytes the signature covers. */
  assertion: Element;
  /** The Response element: re-parsed signed bytes when the Response is signed, otherwise the unsigned original. */
  response: Element;
  responseSigned: boolean;
}

/**
 * Verifies a SAML Response signed at the Response or the Assertion level against
 * pinned certificates (KeyInfo is never trusted), and returns only what the
 * signature covers, re-parsed from the canonical signed bytes (xml-crypto's
 * `getSignedReferences`), so a wrapped or duplicated element cannot be read instead.
 */
export function verifySamlSignature(xml: string, certificates: readonly string[]): VerifiedSamlResponse {
  const doc = parseXml(xml);
  const response = doc.documentElement;
  if (response.namespaceURI !== NS.samlp || response.localName !== 'Response')
    throw new SignatureInvalid('the document is not a SAML 2.0 Response');
  if (childElements(response, NS.saml, 'EncryptedAssertion').length > 0)
    throw new SignatureInvalid('encrypted assertions are not supported by the devstack');
  const assertions = childElements(response, NS.saml, 'Assertion');
  if (assertions.length !== 1)
    throw new SignatureInvalid(`the Response must contain exactly one Assertion, found ${String(assertions.length)}`);
  const assertion = assertions[0] as Element;

  const responseSignature = onlyChild(response, NS.ds, 'Signature');
  if (responseSignature) {
    const signed = verifyEnveloped(xml, responseSignature, response, certificates);
    const signedAssertions = childElements(signed, NS.saml, 'Assertion');
    if (signedAssertions.length !== 1) throw new SignatureInvalid('the signed Response must contain exactly one Assertion');
    return { assertion: signedAssertions[0] as Element, response: signed, responseSigned: true };
  }
  const assertionSignature = onlyChild(assertion, NS.ds, 'Signature');
  if (!assertionSignature) throw new SignatureInvalid('neither the Response nor the Assertion is signed');
  return { assertion: verifyEnveloped(xml, assertionSignature, assertion, certificates), response, responseSigned: false };
}

/** Checks one enveloped signature over `parent` (its only Reference must point at the parent's ID). */
function verifyEnveloped(xml: string, signature: Element, parent: Element, certificates: readonly string[]): Element {
  const id = parent.getAttribute('ID');
  if (!id) throw new SignatureInvalid(`the signed ${parent.localName} has no ID`);
  const method = signature.getElementsByTagNameNS(NS.ds, 'SignatureMethod')[0]?.getAttribute('Algorithm') ?? '';
  if (!ALLOWED_SIGNATURE_ALGORITHMS.has(method))
    throw new SignatureInvalid(`signature algorithm ${method || '(none)'} is refused (RSA-SHA256/512 only)`);
  const references = signature.getElementsByTagNameNS(NS.ds, 'Reference');
  if (references.length !== 1) throw new SignatureInvalid('the signature must have exactly one Reference');
  const reference = references[0] as Element;
  if (reference.getAttribute('URI') !== `#${id}`)
    throw new SignatureInvalid(`the signature does not reference its parent ${parent.localName}`);
  const digest = reference.getElementsByTagNameNS(NS.ds, 'DigestMethod')[0]?.getAttribute('Algorithm') ?? '';
  if (!ALLOWED_DIGEST_ALGORITHMS.has(digest))
    throw new SignatureInvalid(`digest algorithm ${digest || '(none)'} is refused (SHA-256/512 only)`);

  let lastError: unknown;
  for (const certificate of certificates) {
    const verifier = new SignedXml({ publicCert: certificate, getCertFromKeyInfo: () => null });
    try {
      verifier.loadSignature(signature);
      if (!verifier.checkSignature(xml)) throw new SignatureInvalid('a reference digest does not match');
      const signedBytes = verifier.getSignedReferences();
      if (signedBytes.length !== 1 || signedBytes[0] === undefined) throw new SignatureInvalid('unexpected signed references');
      const signed = parseXml(lineSeparatorsAsReferences(signedBytes[0])).documentElement;
      if (signed.namespaceURI !== parent.namespaceURI || signed.localName !== parent.localName || signed.getAttribute('ID') !== id)
        throw new SignatureInvalid(`the signature does not cover the ${parent.localName}`);
      return signed;
    } catch (error) {
      lastError = error;
    }
  }
  throw new SignatureInvalid(lastError instanceof Error ? lastError.message : 'the signature does not verify');
}

/**
 * Canonical XML writes U+0085 (NEL) and U+2028 (LINE SEPARATOR) as themselves;
 * @xmldom/xmldom reads them raw as line ends (XML 1.1's rule, applied to XML
 * 1.0 too) and turns them into LF, which AWS's parser does not. They cannot
 * occur in a name, so outside values there is nothing to change; as character
 * references they read back as themselves.
 */
function lineSeparatorsAsReferences(canonical: string): string {
  return canonical.replace(/[\u0085\u2028]/g, (c) => (c === '\u0085' ? '&#x85;' : '&#x2028;'));
}

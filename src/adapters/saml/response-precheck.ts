import { DOMParser } from '@xmldom/xmldom';
import { RolegateError } from '../../domain/errors.js';

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const SHA2_SIGNATURES = new Set(['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512']);
const SHA2_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const SHA1_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1_DIGEST = 'http://www.w3.org/2000/09/xmldsig#sha1';

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/**
 * Checks made before node-saml sees the bytes, none of which reads identity:
 * size, no DOCTYPE or entity declaration (XXE, billion laughs), a SAML
 * Response root whose Destination, when present, is this ACS URL, at least one
 * signature, and only the permitted signature/digest algorithms anywhere in
 * the document (SHA-1 only where the IdP is allowed it). Identity is read
 * later, only from the bytes the signature covers.
 */
export function precheckResponse(samlResponse: string, options: { acsUrl: string; allowSha1: boolean; maxBytes: number }): string {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw reject('SAMLResponse is not base64');
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  if (xml.length > options.maxBytes) throw reject('The SAML response is larger than accepted');
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml))
    throw reject('The SAML response contains a DOCTYPE or entity declaration, which is never accepted');
  const problems: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: { warning: () => undefined, error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  const root = document.documentElement as Element | null;
  if (problems.length > 0 || !root) throw reject('The SAML response is not well-formed XML');
  if (root.localName !== 'Response' || root.namespaceURI !== PROTOCOL_NS) throw reject('The message is not a SAML 2.0 Response');
  const destination = root.getAttribute('Destination');
  if (destination !== null && destination !== '' && destination !== options.acsUrl) {
    throw reject(`The SAML response Destination ${destination.slice(0, 200)} is not this ACS URL (${options.acsUrl})`);
  }
  const signatures = document.getElementsByTagNameNS(DSIG_NS, 'Signature');
  if (signatures.length === 0) throw reject('The SAML response is not signed (neither the Response nor the assertion carries a signature)');
  const allowedSignatures = new Set(SHA2_SIGNATURES);
  const allowedDigests = new Set(SHA2_DIGESTS);
  if (options.allowSha1) {
    allowedSignatures.add(SHA1_SIGNATURE);
    allowedDigests.add(SHA1_DIGEST);
  }
  for (const [tag, allowed] of [
    ['SignatureMethod', allowedSignatures],
    ['DigestMethod', allowedDigests],
  ] as const) {
    const nodes = document.getElementsByTagNameNS(DSIG_NS, tag);
    for (let i = 0; i < nodes.length; i++) {
      const algorithm = nodes.item(i)?.getAttribute('Algorithm') ?? '';
      if (!allowed.has(algorithm)) {
        throw reject(`The SAML response uses ${tag} ${algorithm.slice(0, 100)}, which is not accepted (SHA-256 or stronger required)`);
      }
    }
  }
  return xml;
}

/**
 * Why an already-rejected response failed its time checks, for the error
 * message only: it reads unverified bytes, so it never decides anything.
 */
export function explainTimeFailure(xml: string, now: number, skewMs: number, maxAgeMs: number): string | undefined {
  const quiet = { warning: () => undefined, error: () => undefined, fatalError: () => undefined };
  const document = new DOMParser({ errorHandler: quiet }).parseFromString(xml, 'text/xml');
  const first = (tag: string) => document.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', tag).item(0);
  const at = (value: string | null | undefined) => (value ? Date.parse(value) : NaN);
  const data = first('SubjectConfirmationData');
  const notBefore = at(data?.getAttribute('NotBefore'));
  const notOnOrAfter = at(data?.getAttribute('NotOnOrAfter'));
  const issued = at(first('Assertion')?.getAttribute('IssueInstant'));
  if (notOnOrAfter <= now - skewMs) return 'The SAML assertion has expired (NotOnOrAfter is in the past)';
  if (notBefore > now + skewMs) return 'The SAML assertion is not yet valid (NotBefore is in the future)';
  if (issued + maxAgeMs <= now - skewMs) return 'The SAML assertion is too old (IssueInstant older than saml.maxAssertionAgeMs)';
  return undefined;
}

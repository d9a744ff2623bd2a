import { RolegateError } from '../../domain/errors.js';
import { DSIG_NS } from './saml-document.js';

const SHA2_SIGNATURES = new Map([
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'RSA-SHA256'],
  ['http://www.w3.org/2001/04/xmldsig-more#rsa-sha512', 'RSA-SHA512'],
]);
const SHA2_DIGESTS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const SHA1_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1_DIGEST = 'http://www.w3.org/2000/09/xmldsig#sha1';

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/**
 * Every SignatureMethod and DigestMethod anywhere in the message must be
 * SHA-256 or stronger (SHA-1 only for an IdP explicitly allowed it).
 */
export function checkXmlSignatureAlgorithms(root: Element, allowSha1: boolean, what: string): void {
  for (const [tag, allowed] of [
    ['SignatureMethod', (a: string) => SHA2_SIGNATURES.has(a) || (allowSha1 && a === SHA1_SIGNATURE)],
    ['DigestMethod', (a: string) => SHA2_DIGESTS.has(a) || (allowSha1 && a === SHA1_DIGEST)],
  ] as const) {
    const nodes = root.getElementsByTagNameNS(DSIG_NS, tag);
    for (let i = 0; i < nodes.length; i++) {
      const algorithm = nodes.item(i)?.getAttribute('Algorithm') ?? '';
      if (!allowed(algorithm)) {
        throw reject(`The ${what} uses ${tag} ${algorithm.slice(0, 100)}, which is not accepted (SHA-256 or stronger required)`);
      }
    }
  }
}

/** The node:crypto algorithm of an HTTP-Redirect SigAlg, or undefined when it is not accepted. */
export function redirectSignatureHash(sigAlg: string, allowSha1: boolean): string | undefined {
  return SHA2_SIGNATURES.get(sigAlg) ?? (allowSha1 && sigAlg === SHA1_SIGNATURE ? 'RSA-SHA1' : undefined);
}

import { createVerify } from 'node:crypto';

/**
 * Checks an HTTP-Redirect binding signature (SAML Bindings §3.4.4.1): it
 * covers `SAMLRequest=…` or `SAMLResponse=…`, then `RelayState=…` when
 * present, then `SigAlg=…`, each exactly as URL-encoded in the query that
 * arrived. True when one of the pinned certificates verifies it.
 */
export function redirectSignatureValid(
  rawQuery: string,
  messageParameter: 'SAMLRequest' | 'SAMLResponse',
  hash: string,
  signature: string,
  certificates: string[],
): boolean {
  const raw = (name: string) => rawQuery.split('&').find((part) => part.startsWith(`${name}=`));
  const signed = [raw(messageParameter), raw('RelayState'), raw('SigAlg')].filter((part) => part !== undefined).join('&');
  const bytes = Buffer.from(signature, 'base64');
  return certificates.some((pem) => {
    try {
      return createVerify(hash).update(signed).verify(pem, bytes);
    } catch {
      return false; // a certificate this key type cannot verify with
    }
  });
}

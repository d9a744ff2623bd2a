import { RolegateError } from '../../domain/errors.js';
import { ASSERTION_NS, DSIG_NS, requireDestination } from './saml-document.js';
import { checkXmlSignatureAlgorithms } from './signature-algorithms.js';
import { describeStatus, isPlainSuccess, readStatus } from './saml-status.js';

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/**
 * Checks made on the parsed Response before node-saml verifies it, none of
 * which reads identity: the top-level Status is a plain Success, Destination
 * is this ACS URL, at least one signature, and only the permitted signature
 * and digest algorithms anywhere (SHA-1 only where the IdP is allowed it).
 * Each can only refuse: identity is read later, only from the signed bytes.
 */
export function precheckResponse(root: Element, options: { acsUrl: string; allowSha1: boolean }): void {
  // node-saml reads Status only when the Response carries no assertion: an IdP-signed Responder
  // status next to a valid assertion would open a session. Any other top-level code than Success
  // means the IdP did not authenticate the user (SAML Core §3.2.2.2).
  const status = readStatus(root, 'SAML response');
  if (!isPlainSuccess(status)) {
    throw new RolegateError('assertion_invalid', {
      detail: `The identity provider did not sign you in: it answered with status ${describeStatus(status)}. Try again, or ask your IdP administrator.`,
      // For the audit row and API clients; the page shows the codes only (the message may be unsigned).
      extras: {
        samlStatus: status.codes.map((code) => code.slice(0, 200)),
        ...(status.message ? { samlStatusMessage: status.message } : {}),
      },
    });
  }
  requireDestination(root, options.acsUrl, 'SAML response');
  if (root.getElementsByTagNameNS(DSIG_NS, 'Signature').length === 0) {
    throw reject('The SAML response is not signed (neither the Response nor the assertion carries a signature)');
  }
  checkXmlSignatureAlgorithms(root, options.allowSha1, 'SAML response');
}

/**
 * Why an already-rejected response failed its time checks, for the error
 * message only: it reads unverified bytes, so it never decides anything.
 */
export function explainTimeFailure(root: Element, now: number, skewMs: number, maxAgeMs: number): string | undefined {
  const first = (tag: string) => root.getElementsByTagNameNS(ASSERTION_NS, tag).item(0);
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

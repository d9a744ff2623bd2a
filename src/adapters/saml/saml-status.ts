import { RolegateError } from '../../domain/errors.js';
import { childElements, PROTOCOL_NS } from './saml-document.js';

export const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const STATUS_PREFIX = 'urn:oasis:names:tc:SAML:2.0:status:';

/** A SAML `<Status>`: the top-level code, then each nested (second-level and deeper) code. */
export interface SamlStatus {
  codes: string[];
  /** StatusMessage (shortened, control characters replaced), never for the page: it may not be covered by any signature. */
  message?: string;
}

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/** Reads the one `<Status>` of a SAML response message (SAML Core §3.2.2); refuses a missing or malformed one. */
export function readStatus(root: Element, what: string): SamlStatus {
  const statuses = childElements(root, PROTOCOL_NS, 'Status');
  if (statuses.length !== 1) throw reject(`The ${what} must carry exactly one Status (it has ${String(statuses.length)})`);
  const codes: string[] = [];
  let parent = statuses[0] as Element;
  for (;;) {
    const nested = childElements(parent, PROTOCOL_NS, 'StatusCode');
    if (nested.length === 0) break;
    const code = nested[0] as Element;
    const value = code.getAttribute('Value');
    if (nested.length > 1 || !value) throw reject(`The ${what} has a malformed StatusCode`);
    codes.push(value);
    parent = code;
  }
  if (codes.length === 0) throw reject(`The ${what} has a Status without a StatusCode`);
  const message = childElements(statuses[0] as Element, PROTOCOL_NS, 'StatusMessage')[0]?.textContent;
  return { codes, ...(message ? { message: message.replace(/\p{Cc}/gu, ' ').slice(0, 300) } : {}) };
}

/** Only a top-level Success with no second-level code counts as success. */
export function isPlainSuccess(status: SamlStatus): boolean {
  return status.codes.length === 1 && status.codes[0] === SUCCESS;
}

/** `Responder / AuthnFailed`: SAML's own codes by their last word, any other URI as sent (shortened). */
export function describeStatus(status: SamlStatus): string {
  return status.codes
    .map((code) => (code.startsWith(STATUS_PREFIX) ? code.slice(STATUS_PREFIX.length) : code).replace(/[^\x21-\x7e]/g, '?').slice(0, 100))
    .join(' / ');
}

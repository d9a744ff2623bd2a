import { DOMParser } from '@xmldom/xmldom';
import { RolegateError } from '../../domain/errors.js';
import { prescanXml, type XmlLimits } from './xml-prescan.js';

export const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/**
 * The one parse of a SAML message that rolegate does itself: the linear
 * pre-scan first (shape limits, no DOCTYPE), then @xmldom/xmldom. Every check
 * rolegate makes on the message reads this document. Returns the root element,
 * which must be `localName` in the SAML protocol namespace.
 */
export function parseSamlMessage(xml: string, limits: XmlLimits, what: string, localName: string): Element {
  prescanXml(xml, limits, what);
  const problems: string[] = [];
  const document = new DOMParser({
    locator: {},
    errorHandler: { warning: () => undefined, error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  const root = document.documentElement as Element | null;
  if (problems.length > 0 || !root) throw reject(`The ${what} is not well-formed XML`);
  if (root.localName !== localName || root.namespaceURI !== PROTOCOL_NS) throw reject(`The message is not a SAML 2.0 ${localName}`);
  return root;
}

/** A base64 HTTP-POST field, decoded, at most `maxBytes`. */
export function decodePostField(value: string, maxBytes: number, what: string): string {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) throw reject(`The ${what} is not base64`);
  const xml = Buffer.from(value, 'base64').toString('utf8');
  if (xml.length > maxBytes) throw reject(`The ${what} is larger than accepted`);
  return xml;
}

/** The element children of `parent` named `localName` in `namespace`, in document order. */
export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element;
      if (element.localName === localName && element.namespaceURI === namespace) found.push(element);
    }
  }
  return found;
}

/**
 * SAML Bindings §3.4.5.2 and §3.5.5.2: a signed message carries Destination,
 * and the receiver checks it is where the message arrived. rolegate accepts
 * only signed messages, and requires it on every one of them: Entra ID, Okta,
 * AD FS, Keycloak and Shibboleth all send it.
 */
export function requireDestination(root: Element, expected: string, what: string): void {
  const destination = root.getAttribute('Destination');
  if (destination === null || destination === '') {
    throw reject(`The ${what} has no Destination (a signed SAML message must name where it is sent: ${expected})`);
  }
  if (destination !== expected) throw reject(`The ${what} Destination ${destination.slice(0, 200)} is not ${expected}`);
}

/** An xs:dateTime attribute as ms since the epoch; undefined when absent, refused when unreadable. */
export function timeAttribute(element: Element, name: string, what: string): number | undefined {
  const value = element.getAttribute(name);
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw reject(`The ${what} has an unreadable ${name}`);
  return ms;
}

import { DOMParser } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
} as const;

export class XmlParseError extends Error {}

/**
 * Parses XML strictly: any DOCTYPE or entity declaration is refused (entity
 * expansion and external entities are classic SAML attacks), and so is any
 * well-formedness error.
 */
export function parseXml(text: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlParseError('DOCTYPE and ENTITY declarations are not allowed');
  const fail = (message: string) => {
    throw new XmlParseError(`malformed XML: ${message.split('\n')[0] ?? message}`);
  };
  const parser = new DOMParser({ errorHandler: { warning: () => undefined, error: fail, fatalError: fail } });
  const doc = parser.parseFromString(text, 'text/xml');
  if ((doc.documentElement as Element | null) === null) throw new XmlParseError('malformed XML: no root element');
  return doc;
}

/** The direct element children of `parent` with this namespace and local name. */
export function childElements(parent: Element, namespace: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const element = node as Element;
      if (element.namespaceURI === namespace && element.localName === localName) found.push(element);
    }
  }
  return found;
}

/** The single direct child, or undefined when there is none; more than one is an error. */
export function onlyChild(parent: Element, namespace: string, localName: string): Element | undefined {
  const found = childElements(parent, namespace, localName);
  if (found.length > 1) throw new XmlParseError(`more than one ${localName} in ${parent.localName}`);
  return found[0];
}

/** The full text content (a comment inside must not shorten an identifier). */
export function textOf(element: Element | undefined): string | undefined {
  if (!element) return undefined;
  let text = '';
  const walk = (node: Node) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3 || child.nodeType === 4) text += child.nodeValue ?? '';
      else if (child.nodeType === 1) walk(child);
    }
  };
  walk(element);
  return text.trim();
}

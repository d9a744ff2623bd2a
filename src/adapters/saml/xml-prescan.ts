import { RolegateError } from '../../domain/errors.js';

/** Bounds on the shape of a SAML message, checked before any DOM is built (config `saml.maxXml*`). */
export interface XmlLimits {
  /** Deepest element nesting. */
  maxDepth: number;
  /** Most elements in the message; comments, processing instructions and CDATA sections count as elements. */
  maxElements: number;
  /** Most attributes in the message, namespace declarations included. */
  maxAttributes: number;
  /** Most attributes on one element, namespace declarations included. */
  maxAttributesPerElement: number;
  /** Most namespace declarations in scope at any element (declared on it or on its ancestors). */
  maxNamespacesInScope: number;
}

// One token each, matched where the previous one ended (sticky): every step is
// linear in what it consumes, so the scan is linear in the message.
const NAME = /[^\s/>=<"']+/y;
const ATTRIBUTE = /\s+([^\s/>=<"']+)\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const TAG_END = /\s*(\/?)>/y;
const END_TAG = /<\/([^\s/>=<"']+)\s*>/y;

const reject = (what: string, detail: string) => new RolegateError('assertion_invalid', { detail: `The ${what} ${detail}` });

/**
 * A linear pre-scan of a SAML message, before @xmldom/xmldom (whose cost is
 * superlinear in nesting and in namespace declarations) or node-saml sees it.
 * It is deliberately stricter than XML: tags must be well formed and nested,
 * attribute values quoted and free of `<`, and there is no DOCTYPE or other
 * declaration (XXE, entity expansion). What it accepts, the parser builds into
 * a document of at most the counted size; anything else is refused here with
 * the limit it broke. The limits sit far above what IdPs send (Entra ID, Okta,
 * AD FS responses are under 30 KB, nested less than 15 deep).
 */
export function prescanXml(xml: string, limits: XmlLimits, what: string): void {
  // Per open element: its name and how many namespaces are in scope inside it.
  const names: string[] = [];
  const scopes: number[] = [0];
  let elements = 0;
  let attributesSeen = 0;
  let roots = 0;
  let at = 0;
  const count = () => {
    elements += 1;
    if (elements > limits.maxElements) {
      throw reject(what, `has more than ${String(limits.maxElements)} elements (saml.maxXmlElements)`);
    }
  };
  const skipTo = (end: string, from: number, kind: string) => {
    const close = xml.indexOf(end, from);
    if (close === -1) throw reject(what, `is not well-formed XML (an unterminated ${kind})`);
    return close + end.length;
  };
  for (;;) {
    const open = xml.indexOf('<', at);
    if (open === -1) break;
    if (xml.startsWith('<!--', open)) {
      count();
      at = skipTo('-->', open + 4, 'comment');
    } else if (xml.startsWith('<![CDATA[', open)) {
      if (names.length === 0) throw reject(what, 'is not well-formed XML (CDATA outside the root element)');
      count();
      at = skipTo(']]>', open + 9, 'CDATA section');
    } else if (xml.startsWith('<!', open)) {
      throw reject(what, 'contains a DOCTYPE or other declaration, which is never accepted');
    } else if (xml.startsWith('<?', open)) {
      count();
      at = skipTo('?>', open + 2, 'processing instruction');
    } else if (xml.startsWith('</', open)) {
      END_TAG.lastIndex = open;
      const end = END_TAG.exec(xml);
      if (!end || end[1] !== names.at(-1)) throw reject(what, 'is not well-formed XML (an end tag does not match its start tag)');
      names.pop();
      scopes.pop();
      at = END_TAG.lastIndex;
    } else {
      NAME.lastIndex = open + 1;
      const name = NAME.exec(xml);
      if (!name) throw reject(what, 'is not well-formed XML (a tag has no name)');
      count();
      if (names.length === 0 && ++roots > 1) throw reject(what, 'is not well-formed XML (more than one root element)');
      let cursor = NAME.lastIndex;
      let attributes = 0;
      let namespaces = scopes.at(-1) ?? 0;
      for (;;) {
        ATTRIBUTE.lastIndex = cursor;
        const attribute = ATTRIBUTE.exec(xml);
        if (!attribute) break;
        cursor = ATTRIBUTE.lastIndex;
        if (++attributesSeen > limits.maxAttributes) {
          throw reject(what, `has more than ${String(limits.maxAttributes)} attributes (saml.maxXmlAttributes)`);
        }
        if (++attributes > limits.maxAttributesPerElement) {
          throw reject(
            what,
            `has an element with more than ${String(limits.maxAttributesPerElement)} attributes (saml.maxXmlAttributesPerElement)`,
          );
        }
        const attributeName = attribute[1] ?? '';
        if ((attributeName === 'xmlns' || attributeName.startsWith('xmlns:')) && ++namespaces > limits.maxNamespacesInScope) {
          throw reject(
            what,
            `has more than ${String(limits.maxNamespacesInScope)} namespace declarations in scope at one element (saml.maxXmlNamespacesInScope)`,
          );
        }
      }
      TAG_END.lastIndex = cursor;
      const tagEnd = TAG_END.exec(xml);
      if (!tagEnd) throw reject(what, 'is not well-formed XML (a malformed start tag)');
      at = TAG_END.lastIndex;
      if (tagEnd[1] === '/') continue;
      if (names.length + 1 > limits.maxDepth) {
        throw reject(what, `nests elements deeper than ${String(limits.maxDepth)} levels (saml.maxXmlDepth)`);
      }
      names.push(name[0]);
      scopes.push(namespaces);
    }
  }
  if (roots === 0) throw reject(what, 'is not XML (no root element)');
  if (names.length > 0) throw reject(what, 'is not well-formed XML (an element is not closed)');
}

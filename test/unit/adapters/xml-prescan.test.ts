import { describe, expect, it } from 'vitest';
import { prescanXml, type XmlLimits } from '../../../src/adapters/saml/xml-prescan.js';
import { buildResponse, KEYS, sign } from '../../peers/saml-idp.js';

const LIMITS: XmlLimits = { maxDepth: 32, maxElements: 2000, maxAttributes: 4000, maxAttributesPerElement: 32, maxNamespacesInScope: 24 };
const scan =
  (xml: string, limits: Partial<XmlLimits> = {}) =>
  () =>
    prescanXml(xml, { ...LIMITS, ...limits }, 'SAML response');
const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');

/** A response shaped like Okta's: xs/xsi declared on every AttributeValue, one per group. */
function oktaStyle(groups: number): string {
  const values = repeat(
    groups,
    (i) =>
      `<saml2:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">group-${String(i)}</saml2:AttributeValue>`,
  );
  const response = buildResponse({
    issuer: 'https://idp.example',
    nameId: 'a@b',
    acsUrl: 'https://sp/acs',
    audience: 'https://sp',
    attributes: { groups: ['X'] },
  });
  return sign(response, 'Assertion', KEYS.idp).replace('<saml:AttributeValue>X</saml:AttributeValue>', values.replace(/saml2:/g, 'saml:'));
}

describe('prescanXml', () => {
  it.each([
    ['a signed response with 10 groups', oktaStyle(10)],
    ['a signed Okta-style response with 600 groups (about 100 KB)', oktaStyle(600)],
    [
      'the XML declaration, comments, CDATA and whitespace in tags',
      `<?xml version="1.0" encoding="UTF-8"?><!-- c --><r\n  a = "1"\tb='>'><![CDATA[<x>]]><s /></r >`,
    ],
    ['attribute values with > and entity references', '<r a="x &gt; y &amp; z" b="&#x41;"/>'],
  ])('when the message is %s, then it passes', (_case, xml) => {
    expect(scan(xml)).not.toThrow();
  });

  it.each([
    ['nested 33 deep', '<a>'.repeat(33) + '</a>'.repeat(33), /nests elements deeper than 32 levels \(saml\.maxXmlDepth\)/],
    ['2,001 elements', `<r>${'<a/>'.repeat(2000)}</r>`, /more than 2000 elements \(saml\.maxXmlElements\)/],
    ['2,000 comments inside the root', `<r>${'<!---->'.repeat(2000)}</r>`, /more than 2000 elements/],
    ['2,000 processing instructions', `<r>${'<?p?>'.repeat(2000)}</r>`, /more than 2000 elements/],
    [
      '4,001 attributes',
      `<r>${repeat(401, () => `<a${repeat(10, (i) => ` a${String(i)}="v"`)}/>`)}</r>`,
      /more than 4000 attributes \(saml\.maxXmlAttributes\)/,
    ],
    [
      '33 attributes on one element',
      `<r${repeat(33, (i) => ` a${String(i)}="v"`)}/>`,
      /more than 32 attributes \(saml\.maxXmlAttributesPerElement\)/,
    ],
    [
      '25 namespaces declared on one element',
      `<r${repeat(25, (i) => ` xmlns:p${String(i)}="urn:${String(i)}"`)}/>`,
      /namespace declarations in scope .*saml\.maxXmlNamespacesInScope/,
    ],
    [
      '25 namespaces in scope over 25 levels',
      repeat(25, (i) => `<p${String(i)}:a xmlns:p${String(i)}="urn:${String(i)}">`) + repeat(25, (i) => `</p${String(24 - i)}:a>`),
      /namespace declarations in scope/,
    ],
    ['a DOCTYPE', '<!DOCTYPE r><r/>', /DOCTYPE or other declaration/],
    ['an entity declaration after the root', '<r/><!ENTITY e "x">', /DOCTYPE or other declaration/],
    ['an unterminated comment', '<r><!-- x', /unterminated comment/],
    ['an unterminated CDATA section', '<r><![CDATA[ x', /unterminated CDATA section/],
    ['an unterminated processing instruction', '<r><?p x', /unterminated processing instruction/],
    ['CDATA outside the root', '<![CDATA[x]]><r/>', /CDATA outside the root/],
    ['an unquoted attribute', '<r a=1/>', /malformed start tag/],
    ['< inside an attribute value', '<r a="<x>"/>', /malformed start tag/],
    ['an unterminated attribute value', `<r a="${'x'.repeat(1000)}/>`, /malformed start tag/],
    ['attributes without whitespace between them', '<r a="1"b="2"/>', /malformed start tag/],
    ['a tag without a name', '<r>< a/></r>', /a tag has no name/],
    ['mismatched end tags', '<a><b></a></b>', /end tag does not match/],
    ['a stray end tag', '<a></a></a>', /end tag does not match/],
    ['an unclosed element', '<a><b></b>', /an element is not closed/],
    ['two root elements', '<a/><b/>', /more than one root element/],
    ['no element', 'just text', /no root element/],
    ['only a comment', '<!-- x -->', /no root element/],
  ])('when the message has %s, then it is refused with the rule it broke', (_case, xml, reason) => {
    expect(scan(xml)).toThrow(reason);
  });

  it('when the limits are raised, then the same message passes: they come from configuration', () => {
    const deep = '<a>'.repeat(40) + '</a>'.repeat(40);
    expect(scan(deep)).toThrow(/deeper than 32/);
    expect(scan(deep, { maxDepth: 64 })).not.toThrow();
  });
});

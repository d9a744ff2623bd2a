/**
 * XML 1.0 `Char` production (https://www.w3.org/TR/xml/#charsets): a DOM
 * serializer escapes markup, but it cannot make a control character legal.
 * Values that would produce ill-formed XML are refused, never stripped.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlText(value: string): boolean {
  return !NOT_XML_CHAR.test(value);
}

import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SAML } from '@node-saml/node-saml';

const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

/**
 * Our SP metadata: node-saml's, whose SingleLogoutService names HTTP-POST
 * only, with the HTTP-Redirect one added in front. rolegate serves single
 * logout on both bindings at the same URL (GET and POST /auth/saml/<idp>/slo);
 * an IdP configured from this metadata may use either (AD FS prefers POST).
 */
export function spMetadata(saml: SAML, certificate: string | undefined): string {
  const xml = saml.generateServiceProviderMetadata(null, certificate ? [certificate] : null);
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const post = document.getElementsByTagNameNS(MD_NS, 'SingleLogoutService').item(0);
  if (!post || post.getAttribute('Binding') !== POST) return xml;
  const redirect = post.cloneNode(false) as Element;
  redirect.setAttribute('Binding', REDIRECT);
  post.parentNode?.insertBefore(redirect, post);
  return new XMLSerializer().serializeToString(document);
}

import { X509Certificate } from 'node:crypto';
import { childElements, NS, parseXml, textOf } from './safe-xml.js';

/** What the devstack takes from an IdP's SAML metadata: its entity id and signing certificates. */
export interface SamlIdpMetadata {
  entityId: string;
  /** PEM certificates from the IDPSSODescriptor's signing (or unqualified) KeyDescriptors. */
  certificates: string[];
}

/** Parses SAML 2.0 metadata (an EntityDescriptor, or the first in an EntitiesDescriptor). */
export function parseSamlMetadata(xml: string): SamlIdpMetadata {
  const doc = parseXml(xml);
  let entity: Element = doc.documentElement;
  if (entity.namespaceURI === NS.md && entity.localName === 'EntitiesDescriptor') {
    const first = childElements(entity, NS.md, 'EntityDescriptor')[0];
    if (!first) throw new Error('metadata: EntitiesDescriptor has no EntityDescriptor');
    entity = first;
  }
  if (entity.namespaceURI !== NS.md || entity.localName !== 'EntityDescriptor')
    throw new Error('metadata: the root is not an EntityDescriptor');
  const entityId = entity.getAttribute('entityID');
  if (!entityId) throw new Error('metadata: EntityDescriptor has no entityID');
  const idp = childElements(entity, NS.md, 'IDPSSODescriptor')[0];
  if (!idp) throw new Error('metadata: no IDPSSODescriptor');
  const certificates: string[] = [];
  for (const keyDescriptor of childElements(idp, NS.md, 'KeyDescriptor')) {
    const use = keyDescriptor.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const element of Array.from(keyDescriptor.getElementsByTagNameNS(NS.ds, 'X509Certificate'))) {
      const base64 = (textOf(element) ?? '').replace(/\s+/g, '');
      const pem = `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
      new X509Certificate(pem); // throws on a certificate that does not parse
      certificates.push(pem);
    }
  }
  if (certificates.length === 0) throw new Error('metadata: no signing certificate');
  return { entityId, certificates };
}

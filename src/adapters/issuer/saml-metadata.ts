import { X509Certificate } from 'node:crypto';
import { DOMImplementation, XMLSerializer } from '@xmldom/xmldom';
import type { PublishedKey } from './key-material.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/**
 * rolegate's SAML IdP metadata (SAML metadata §2.4.3): what an IAM SAML
 * provider is created from. One `KeyDescriptor use="signing"` per published
 * certificate — during a rotation the next (or previous) key is listed beside
 * the active one. Unsigned: it is uploaded to IAM by an administrator.
 */
export function buildSamlMetadata(entityId: string, ssoUrl: string, keys: readonly PublishedKey[]): string {
  const doc = new DOMImplementation().createDocument(MD, 'md:EntityDescriptor', null);
  const entity = doc.documentElement as Element;
  entity.setAttribute('entityID', entityId);
  const idp = doc.createElementNS(MD, 'md:IDPSSODescriptor');
  idp.setAttribute('WantAuthnRequestsSigned', 'false');
  idp.setAttribute('protocolSupportEnumeration', 'urn:oasis:names:tc:SAML:2.0:protocol');
  entity.appendChild(idp);
  for (const key of keys) {
    const descriptor = doc.createElementNS(MD, 'md:KeyDescriptor');
    descriptor.setAttribute('use', 'signing');
    const keyInfo = doc.createElementNS(DS, 'ds:KeyInfo');
    const keyName = doc.createElementNS(DS, 'ds:KeyName');
    keyName.appendChild(doc.createTextNode(key.kid));
    const data = doc.createElementNS(DS, 'ds:X509Data');
    const certificate = doc.createElementNS(DS, 'ds:X509Certificate');
    certificate.appendChild(doc.createTextNode(new X509Certificate(key.certificatePem).raw.toString('base64')));
    data.appendChild(certificate);
    keyInfo.appendChild(keyName);
    keyInfo.appendChild(data);
    descriptor.appendChild(keyInfo);
    idp.appendChild(descriptor);
  }
  const format = doc.createElementNS(MD, 'md:NameIDFormat');
  format.appendChild(doc.createTextNode('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'));
  idp.appendChild(format);
  // The schema requires a SingleSignOnService; rolegate's portal is where users start (IdP-initiated toward AWS).
  const sso = doc.createElementNS(MD, 'md:SingleSignOnService');
  sso.setAttribute('Binding', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect');
  sso.setAttribute('Location', ssoUrl);
  idp.appendChild(sso);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc, false, undefined, { requireWellFormed: true })}\n`;
}

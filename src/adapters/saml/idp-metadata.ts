import { DOMParser } from '@xmldom/xmldom';
import type { SamlMetadata, SamlMetadataReader } from '../../ports/saml-gateway.js';

const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const MAX_BYTES = 1_048_576;

/**
 * Reads what rolegate needs from IdP metadata: entityID, the HTTP-Redirect
 * SingleSignOnService and SingleLogoutService, and every signing certificate
 * (several during a rotation). The metadata itself is trusted as configured:
 * fetch it over https from the IdP, or paste the XML.
 */
export function parseIdpMetadata(xml: string): SamlMetadata {
  if (xml.length > MAX_BYTES) throw new Error('the metadata is larger than 1 MiB');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new Error('the metadata contains a DOCTYPE or entity declaration');
  const problems: string[] = [];
  const document = new DOMParser({
    errorHandler: { warning: () => undefined, error: (m: string) => problems.push(m), fatalError: (m: string) => problems.push(m) },
  }).parseFromString(xml, 'text/xml');
  const root = document.documentElement as Element | null;
  if (problems.length > 0 || !root) throw new Error('the metadata is not well-formed XML');
  const entity = root.localName === 'EntityDescriptor' ? root : document.getElementsByTagNameNS(MD_NS, 'EntityDescriptor').item(0);
  const idp = entity?.getElementsByTagNameNS(MD_NS, 'IDPSSODescriptor').item(0);
  const entityId = entity?.getAttribute('entityID');
  if (!entity || !idp || !entityId) throw new Error('the metadata has no EntityDescriptor with an IDPSSODescriptor and entityID');
  const location = (tag: string) => {
    const services = idp.getElementsByTagNameNS(MD_NS, tag);
    for (let i = 0; i < services.length; i++) {
      const service = services.item(i);
      if (service?.getAttribute('Binding') === REDIRECT) return service.getAttribute('Location') ?? undefined;
    }
    return undefined;
  };
  const ssoUrl = location('SingleSignOnService');
  if (!ssoUrl) throw new Error('the metadata has no HTTP-Redirect SingleSignOnService');
  const certificates: string[] = [];
  const keys = idp.getElementsByTagNameNS(MD_NS, 'KeyDescriptor');
  for (let i = 0; i < keys.length; i++) {
    const key = keys.item(i);
    const use = key?.getAttribute('use');
    if (!key || (use && use !== 'signing')) continue;
    const cert = key.getElementsByTagNameNS(DSIG_NS, 'X509Certificate').item(0)?.textContent.replace(/\s+/g, '');
    if (cert && !certificates.includes(cert)) certificates.push(cert);
  }
  if (certificates.length === 0) throw new Error('the metadata has no signing certificate');
  const sloUrl = location('SingleLogoutService');
  return { entityId, ssoUrl, ...(sloUrl ? { sloUrl } : {}), certificates };
}

/** Metadata from XML or an http(s) URL (fetched with a timeout). */
export class HttpSamlMetadataReader implements SamlMetadataReader {
  constructor(private readonly timeoutMs: number) {}

  async read(source: { xml?: string; url?: string }): Promise<SamlMetadata> {
    if (source.xml !== undefined) return parseIdpMetadata(source.xml);
    if (source.url === undefined) throw new Error('no metadata source');
    let response: Response;
    try {
      response = await fetch(source.url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (error) {
      throw new Error(`cannot fetch ${source.url}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) throw new Error(`cannot fetch ${source.url}: HTTP ${String(response.status)}`);
    return parseIdpMetadata(await response.text());
  }
}

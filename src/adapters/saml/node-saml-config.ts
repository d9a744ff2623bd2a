import { ValidateInResponseTo, type CacheProvider, type SamlConfig } from '@node-saml/node-saml';
import type { SamlIdentityProvider } from '../../ports/saml-gateway.js';

/** What every node-saml instance toward an IdP is built from (plain data: it is also sent to the verifier thread). */
export interface SpSettings {
  /** rolegate's public URL, as a string (`URL` objects do not cross to a worker thread). */
  publicUrl: string;
  clockSkewMs: number;
  maxAssertionAgeMs: number;
  /** How long a request id stays answerable (the login transaction lifetime). */
  requestIdTtlMs: number;
}

/** rolegate's SAML endpoints toward one IdP. */
export function spUrls(publicUrl: string, slug: string) {
  const base = publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  const at = (path: string) => new URL(`auth/saml/${encodeURIComponent(slug)}/${path}`, base).href;
  return { acs: at('acs'), slo: at('slo'), metadata: at('metadata') };
}

export function spEntityIdOf(publicUrl: string, idp: SamlIdentityProvider): string {
  return idp.settings.spEntityId ?? spUrls(publicUrl, idp.slug).metadata;
}

/**
 * node-saml's options toward one IdP, with the checks the library leaves off
 * turned on: InResponseTo always against the one request this browser started,
 * SHA-256, the pinned certificates only, time checks with a bounded skew.
 */
export function nodeSamlConfig(
  idp: SamlIdentityProvider,
  sp: SpSettings,
  expectedRequestId: string | null,
  extra: Partial<SamlConfig> = {},
): SamlConfig {
  const spEntityId = spEntityIdOf(sp.publicUrl, idp);
  const urls = spUrls(sp.publicUrl, idp.slug);
  return {
    entryPoint: idp.settings.ssoUrl,
    issuer: spEntityId,
    audience: spEntityId,
    callbackUrl: urls.acs,
    idpCert: idp.settings.certificates.map(toPem),
    idpIssuer: idp.settings.entityId,
    identifierFormat: idp.settings.nameIdFormat ?? null,
    disableRequestedAuthnContext: true,
    // Either signature suffices by default: node-saml then reads the assertion from the signed bytes.
    wantAssertionsSigned: idp.settings.wantAssertionSigned,
    wantAuthnResponseSigned: idp.settings.wantResponseSigned,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    acceptedClockSkewMs: sp.clockSkewMs,
    maxAssertionAgeMs: sp.maxAssertionAgeMs,
    validateInResponseTo: expectedRequestId === null ? ValidateInResponseTo.never : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: sp.requestIdTtlMs,
    cacheProvider: onlyRequest(expectedRequestId),
    logoutUrl: idp.settings.sloUrl ?? idp.settings.ssoUrl,
    logoutCallbackUrl: urls.slo,
    ...extra,
  };
}

/**
 * node-saml's request-id cache, narrowed to the one request this browser's
 * login (or logout) transaction started, already consumed from Redis by the
 * caller. Any other InResponseTo is unknown.
 */
function onlyRequest(requestId: string | null): CacheProvider {
  return {
    saveAsync: (_key, value) => Promise.resolve({ value, createdAt: Date.now() }),
    getAsync: (key) => Promise.resolve(requestId !== null && key === requestId ? new Date().toISOString() : null),
    removeAsync: () => Promise.resolve(null),
  };
}

export function toPem(certificate: string): string {
  if (certificate.includes('-----BEGIN')) return certificate.trim();
  const body = certificate.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${(body.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----`;
}

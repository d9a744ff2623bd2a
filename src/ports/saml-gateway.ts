import type { IdentityProvider } from '../domain/identity-provider.js';

export type SamlIdentityProvider = Extract<IdentityProvider, { kind: 'saml' }>;

/** What a fully validated SAML assertion says; read only from the signed bytes. */
export interface SamlAssertion {
  issuer: string;
  /** The assertion's ID (replay cache key). */
  assertionId: string;
  /** NameID, full text (comments inside it do not shorten it). */
  nameId: string;
  nameIdFormat?: string;
  sessionIndex?: string;
  /** Attribute name → values (always an array of strings). */
  attributes: Record<string, string[]>;
  /** Earliest NotOnOrAfter of Conditions and the bearer SubjectConfirmation (ms since epoch). */
  notOnOrAfter: number;
  /** AuthnStatement SessionNotOnOrAfter, when given. */
  sessionNotOnOrAfter?: number;
  authnContextClassRef?: string;
  authnInstant?: number;
  /** The request this answers; absent for IdP-initiated responses. */
  inResponseTo?: string;
}

/**
 * A SAML 2.0 service provider toward one IdP (node-saml implements it). Every
 * failure is a RolegateError `assertion_invalid` with a precise detail.
 */
export interface SamlGateway {
  /** A signed-or-not HTTP-Redirect AuthnRequest URL, and its request id (to bind to the browser). */
  authnRequestUrl(idp: SamlIdentityProvider, relayState: string | undefined): Promise<{ url: string; requestId: string }>;
  /**
   * Validates an HTTP-POST Response: signature with the pinned certificates,
   * InResponseTo = `expectedRequestId` (null: unsolicited, only when the IdP allows it),
   * Destination and Recipient = our ACS URL, audience, time window, issuer.
   */
  validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion>;
  /**
   * Validates an IdP's LogoutRequest (HTTP-Redirect binding): it must be
   * signed (query Signature) by a pinned certificate, come from the IdP's
   * entityID and be within its time window. `rawQuery` is the query string as
   * received (the signature covers its exact encoding).
   */
  validateLogoutRequest(
    idp: SamlIdentityProvider,
    query: Record<string, string>,
    rawQuery: string,
  ): Promise<{ requestId: string; nameId: string; sessionIndex?: string }>;
  /** Our LogoutResponse URL toward the IdP's SingleLogoutService, or null when it has none. */
  logoutResponseUrl(idp: SamlIdentityProvider, requestId: string, relayState: string | undefined): Promise<string | null>;
  /** Our LogoutRequest URL for a session (NameID, SessionIndex), or null when the IdP has no SingleLogoutService. */
  logoutRequestUrl(
    idp: SamlIdentityProvider,
    session: { nameId: string; nameIdFormat?: string; sessionIndex?: string },
  ): Promise<string | null>;
  /** Our SP metadata toward this IdP. */
  metadata(idp: SamlIdentityProvider): string;
}

/** What IdP metadata tells rolegate. */
export interface SamlMetadata {
  entityId: string;
  ssoUrl: string;
  sloUrl?: string;
  /** Signing certificates, base64 DER (several during a rotation). */
  certificates: string[];
}

/** Reads SAML IdP metadata from pasted XML or a URL. Rejects with a one-line reason. */
export interface SamlMetadataReader {
  read(source: { xml?: string; url?: string }): Promise<SamlMetadata>;
}

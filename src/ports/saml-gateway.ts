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
 * A SAML logout message as it arrived: HTTP-Redirect (the query string exactly
 * as received, which its signature covers) or HTTP-POST (the form fields).
 */
export type SamlLogoutMessage = { binding: 'redirect'; rawQuery: string } | { binding: 'post'; form: Record<string, string> };

/** A verified LogoutRequest from the IdP. */
export interface SamlLogoutRequest {
  /** Its ID (replay cache key, and InResponseTo of our answer). */
  requestId: string;
  issuer: string;
  nameId: string;
  sessionIndex?: string;
  /**
   * When it stops being valid (ms since epoch): the earlier of IssueInstant +
   * clock skew and NotOnOrAfter. Its ID must be remembered until then + skew.
   */
  validUntil: number;
  relayState?: string;
}

/** A verified LogoutResponse from the IdP, answering our LogoutRequest. */
export interface SamlLogoutResponse {
  /** Top-level status code, then nested ones (SAML Core §3.2.2.2). */
  statusCodes: string[];
  /** True for a plain top-level Success. */
  success: boolean;
}

/**
 * A SAML 2.0 service provider toward one IdP (node-saml implements it). Every
 * failure is a RolegateError `assertion_invalid` with a precise detail. Every
 * message is checked against the parser limits before any XML parser sees it,
 * and parsed off the event loop.
 */
export interface SamlGateway {
  /** A signed-or-not HTTP-Redirect AuthnRequest URL, and its request id (to bind to the browser). */
  authnRequestUrl(
    idp: SamlIdentityProvider,
    relayState: string | undefined,
    /** A step-up: `ForceAuthn="true"`, and a RequestedAuthnContext when the IdP's `stepUpAuthnContext` is set. */
    options?: { stepUp?: boolean },
  ): Promise<{ url: string; requestId: string }>;
  /**
   * Validates an HTTP-POST Response: top-level Status Success, signature with
   * the pinned certificates, InResponseTo = `expectedRequestId` (null:
   * unsolicited, only when the IdP allows it), Destination (required) and
   * Recipient = our ACS URL, audience, time window, issuer.
   */
  validateResponse(idp: SamlIdentityProvider, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion>;
  /**
   * Validates an IdP's LogoutRequest (either binding): signed by a pinned
   * certificate, from the IdP's entityID, Destination our SLO URL, issued
   * within the clock skew of now and not past its NotOnOrAfter. Replay is the
   * caller's to refuse (by `requestId`, until `validUntil`).
   */
  validateLogoutRequest(idp: SamlIdentityProvider, message: SamlLogoutMessage): Promise<SamlLogoutRequest>;
  /**
   * Validates the IdP's LogoutResponse (either binding) to our LogoutRequest
   * `expectedRequestId`: signed by a pinned certificate, from the IdP's
   * entityID, Destination our SLO URL, InResponseTo = `expectedRequestId`.
   */
  validateLogoutResponse(idp: SamlIdentityProvider, message: SamlLogoutMessage, expectedRequestId: string): Promise<SamlLogoutResponse>;
  /** Our LogoutResponse URL toward the IdP's SingleLogoutService, or null when it has none. */
  logoutResponseUrl(idp: SamlIdentityProvider, requestId: string, relayState: string | undefined): Promise<string | null>;
  /**
   * Our LogoutRequest URL for a session (NameID, SessionIndex) and its request
   * id (to bind to the browser), or null when the IdP has no SingleLogoutService.
   */
  logoutRequestUrl(
    idp: SamlIdentityProvider,
    session: { nameId: string; nameIdFormat?: string; sessionIndex?: string },
  ): Promise<{ url: string; requestId: string } | null>;
  /** Our SP metadata toward this IdP: exactly the bindings rolegate serves. */
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

import type { IdentityProvider } from '../domain/identity-provider.js';

export type OidcIdentityProvider = Extract<IdentityProvider, { kind: 'oidc' }>;

/** What a validated OIDC sign-in yields: the id_token claims (and userinfo claims when asked). */
export interface OidcSignIn {
  claims: Record<string, unknown>;
  userinfo?: Record<string, unknown>;
  /** When the IdP session ends as far as the token response tells (refresh_expires_in), ms since epoch. */
  sessionExpiresAt?: number;
}

/**
 * An OpenID Connect relying party (openid-client implements it). Every
 * failure is a RolegateError: `assertion_invalid` for a response that fails
 * validation, `dependency_unavailable` when the IdP cannot be reached.
 */
export interface OidcGateway {
  /**
   * The authorization endpoint URL for a code flow with PKCE (S256), state and nonce. With
   * `stepUp`: `prompt=login` and `max_age=0` (the IdP must authenticate the user again), and
   * the IdP's `stepUpAcrValues` as `acr_values` when configured.
   */
  authorizationUrl(
    idp: OidcIdentityProvider,
    request: { redirectUri: string; state: string; nonce: string; codeChallenge: string; stepUp?: boolean },
  ): Promise<URL>;
  /**
   * Validates the callback (state, error responses), redeems the code with the
   * PKCE verifier, and validates the id_token: issuer, audience, expiry, nonce,
   * the pinned algorithm and its signature against the IdP's JWKS.
   */
  completeAuthorization(
    idp: OidcIdentityProvider,
    callback: { currentUrl: URL; expectedState: string; expectedNonce: string; codeVerifier: string; fetchUserinfo: boolean },
  ): Promise<OidcSignIn>;
  /** The IdP's RP-initiated logout URL, or null when it has no end_session_endpoint. */
  logoutUrl(idp: OidcIdentityProvider, postLogoutRedirectUri: string): Promise<URL | null>;
  /** Reads (and caches) the IdP's discovery document: a check that the IdP can be reached. */
  discover(idp: OidcIdentityProvider): Promise<void>;
}

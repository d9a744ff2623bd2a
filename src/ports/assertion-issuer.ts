import type { Partition } from '../domain/access-model.js';
import type { Secret } from '../domain/secret.js';
import type { SessionTag } from '../domain/session-tags.js';

/**
 * rolegate as an identity provider toward AWS: it mints the signed SAML
 * Response for AssumeRoleWithSAML and the JWT for AssumeRoleWithWebIdentity.
 * Callers pass values the domain already decided (entitlement, clamped
 * duration, session name, tags); the issuer refuses anything malformed with
 * `server_error` (an invariant broke upstream) and never logs what it signs.
 */
export interface AssertionIssuer {
  mintSamlResponse(request: SamlAssertionRequest): Promise<MintedSamlResponse>;
  mintWebIdentityToken(request: WebIdentityTokenRequest): Promise<MintedWebIdentityToken>;
}

/** What rolegate publishes so AWS (and the local STS endpoint) can verify what it mints. */
export interface IssuerMetadata {
  /** SAML IdP metadata (EntityDescriptor) with one signing KeyDescriptor per published certificate. */
  samlMetadata(): Promise<string>;
  /** OpenID discovery document of the web-identity issuer. */
  openidConfiguration(): Promise<OpenIdConfiguration>;
  /** JSON Web Key Set: the public keys of every published JWT signing key. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
}

export interface SamlAssertionRequest {
  /** Subject NameID (persistent): the user's immutable id, `Principal.id`. */
  userId: string;
  /** RoleSessionName (from `sessionNameFor`). */
  sessionName: string;
  /** SourceIdentity (from `sourceIdentityFor`). */
  sourceIdentity: string;
  /** The one role the user chose and is entitled to. */
  roleArn: string;
  /** The IAM SAML provider (same account and partition as the role). */
  providerArn: string;
  partition: Partition;
  /** Use this region's SAML endpoint as Recipient (regional failover); the partition's global one when omitted. */
  region?: string;
  /** Clamped duration (900–43200); sent as the SessionDuration attribute. */
  sessionDurationSeconds: number;
  tags: readonly SessionTag[];
  transitiveTagKeys: readonly string[];
  /** When the user authenticated at the corporate IdP (ms since epoch): AuthnInstant. */
  authenticatedAt: number;
  /** The IdP's authentication context class, when known (AuthnContextClassRef). */
  authnContextClass?: string;
}

export interface MintedSamlResponse {
  /** Base64 of the signed Response, ready for AssumeRoleWithSAML `SAMLAssertion`. A bearer credential. */
  samlAssertion: Secret;
  responseId: string;
  assertionId: string;
  issuedAt: Date;
  notOnOrAfter: Date;
  recipient: string;
  audience: string;
  /** Key id of the signing key (for the audit trail). */
  kid: string;
}

export interface WebIdentityTokenRequest {
  /** `sub`: the user's immutable id, `Principal.id`. */
  userId: string;
  /** Sent as the `https://aws.amazon.com/source_identity` claim when given. */
  sourceIdentity?: string;
  tags: readonly SessionTag[];
  transitiveTagKeys: readonly string[];
}

export interface MintedWebIdentityToken {
  /** The compact JWT for AssumeRoleWithWebIdentity `WebIdentityToken`. A bearer credential. */
  token: Secret;
  jti: string;
  issuer: string;
  audience: string;
  issuedAt: Date;
  expiresAt: Date;
  kid: string;
}

export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
}

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
  x5c: string[];
}

import { randomBytes, X509Certificate } from 'node:crypto';
import { SignJWT } from 'jose';
import type { OpenIdConfiguration, PublicJwk } from '../../ports/assertion-issuer.js';
import type { SessionTag } from '../../domain/session-tags.js';
import type { PublishedKey, SigningKey } from './key-material.js';

/** Claim names AWS reads from a web-identity token (IAM user guide "Passing session tags using AssumeRoleWithWebIdentity"). */
export const AWS_TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const AWS_SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

export interface TokenFields {
  issuer: string;
  audience: string;
  subject: string;
  issuedAt: Date;
  expiresAt: Date;
  sourceIdentity?: string;
  tags: readonly SessionTag[];
  transitiveTagKeys: readonly string[];
}

/** A short-lived RS256 JWT for AssumeRoleWithWebIdentity, with the key id in the header. */
export async function signWebIdentityToken(fields: TokenFields, key: SigningKey): Promise<{ token: string; jti: string }> {
  const jti = randomBytes(16).toString('base64url');
  const claims: Record<string, unknown> = {};
  if (fields.tags.length > 0) {
    claims[AWS_TAGS_CLAIM] = {
      principal_tags: Object.fromEntries(fields.tags.map((tag) => [tag.key, [tag.value]])),
      ...(fields.transitiveTagKeys.length > 0 ? { transitive_tag_keys: [...fields.transitiveTagKeys] } : {}),
    };
  }
  if (fields.sourceIdentity !== undefined) claims[AWS_SOURCE_IDENTITY_CLAIM] = fields.sourceIdentity;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid })
    .setIssuer(fields.issuer)
    .setSubject(fields.subject)
    .setAudience(fields.audience)
    .setIssuedAt(Math.floor(fields.issuedAt.getTime() / 1000))
    .setExpirationTime(Math.floor(fields.expiresAt.getTime() / 1000))
    .setJti(jti)
    .sign(key.privateKey);
  return { token, jti };
}

/** OpenID Provider discovery (OpenID Connect Discovery 1.0 §3), as much as AWS reads. */
export function openidConfigurationFor(issuer: string): OpenIdConfiguration {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', AWS_TAGS_CLAIM, AWS_SOURCE_IDENTITY_CLAIM],
  };
}

/** A public JWK (RFC 7517) of a published key, with its certificate. */
export function publicJwkOf(key: PublishedKey): PublicJwk {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return {
    kty: 'RSA',
    n: String(jwk.n),
    e: String(jwk.e),
    kid: key.kid,
    use: 'sig',
    alg: 'RS256',
    x5c: [new X509Certificate(key.certificatePem).raw.toString('base64')],
  };
}

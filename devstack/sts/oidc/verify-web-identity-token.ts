import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcProviderEntry } from '../model/iam-world.js';
import { StsError } from '../protocol/sts-error.js';
import { ThumbprintMismatch } from './fetch-issuer.js';
import type { OidcKeyCache } from './oidc-key-cache.js';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

/** The unverified `iss` of a token, to pick the provider; nothing else is read before verification. */
export function unverifiedIssuer(token: string): string {
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new StsError('InvalidIdentityToken', 'The web identity token is not a valid JWT');
  }
  if (typeof payload.iss !== 'string' || payload.iss === '')
    throw new StsError('InvalidIdentityToken', 'The web identity token has no iss claim');
  return payload.iss.replace(/\/+$/, '');
}

/**
 * Verifies a web identity token against the provider's JWKS and client id list,
 * mapping every failure to the STS error AWS gives for it.
 */
export async function verifyWebIdentityToken(
  token: string,
  provider: OidcProviderEntry,
  keys: OidcKeyCache,
  now: Date,
): Promise<{ payload: JWTPayload; audience: string }> {
  let keySet;
  try {
    keySet = await keys.keysFor(provider);
  } catch (error) {
    // AWS's wording when the issuer's certificate chain is not the one the provider pins.
    if (error instanceof ThumbprintMismatch)
      throw new StsError('InvalidIdentityToken', "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint");
    throw new StsError(
      'IDPCommunicationError',
      `Couldn't retrieve verification key from your identity provider (${(error as Error).message})`,
    );
  }
  let payload: JWTPayload;
  try {
    const rawIss = decodeJwt(token).iss;
    ({ payload } = await jwtVerify(token, keySet, {
      issuer: rawIss === `${provider.url}/` ? rawIss : provider.url,
      algorithms: ALGORITHMS,
      currentDate: now,
    }));
  } catch (error) {
    throw mapJoseError(error);
  }
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  const audience = audiences.find((aud) => provider.clientIds.includes(aud));
  if (audience === undefined) throw new StsError('InvalidIdentityToken', 'Incorrect token audience');
  if (typeof payload.sub !== 'string' || payload.sub === '')
    throw new StsError('InvalidIdentityToken', 'The web identity token has no sub claim');
  return { payload, audience };
}

function mapJoseError(error: unknown): StsError {
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? new Date(error.payload.exp * 1000).toISOString() : 'unknown';
    return new StsError('ExpiredTokenException', `Token expired: the expiration date/time ${exp} has passed`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' || error.claim === 'iat')
      return new StsError('IDPRejectedClaim', `The token's ${error.claim} claim is not acceptable: ${error.message}`);
    return new StsError('InvalidIdentityToken', `The token's ${error.claim} claim is not valid: ${error.message}`);
  }
  if (error instanceof errors.JWKSTimeout)
    return new StsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider");
  if (error instanceof errors.JOSEError) return new StsError('InvalidIdentityToken', `Couldn't verify the token signature (${error.code})`);
  return new StsError(
    'IDPCommunicationError',
    `Couldn't retrieve verification key from your identity provider (${(error as Error).message})`,
  );
}

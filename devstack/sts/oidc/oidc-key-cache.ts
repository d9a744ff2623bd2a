import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { fetchLoopback, isLoopbackUrl } from '../../support/loopback.js';

/**
 * JWKS of registered OIDC providers, discovered lazily from
 * `<issuer>/.well-known/openid-configuration` (loopback only): the demo's
 * web-identity issuer is rolegate itself, which may start after the devstack.
 * jose's remote key set refetches on an unknown `kid`, so rotation works.
 */
export class OidcKeyCache {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  async keysFor(issuer: string): Promise<JWTVerifyGetKey> {
    const cached = this.keySets.get(issuer);
    if (cached) return cached;
    const discovery = JSON.parse(await fetchLoopback(`${issuer}/.well-known/openid-configuration`)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    };
    if (discovery.issuer !== issuer && discovery.issuer !== `${issuer}/`)
      throw new Error(`the discovery document names issuer ${String(discovery.issuer)}, not ${issuer}`);
    if (typeof discovery.jwks_uri !== 'string' || !isLoopbackUrl(discovery.jwks_uri))
      throw new Error('the discovery document has no loopback jwks_uri');
    const keySet = createRemoteJWKSet(new URL(discovery.jwks_uri), { timeoutDuration: 3000, cooldownDuration: 1000 });
    this.keySets.set(issuer, keySet);
    return keySet;
  }
}

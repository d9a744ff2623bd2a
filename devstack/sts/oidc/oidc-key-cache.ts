import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { OidcProviderEntry } from '../model/iam-world.js';
import { isLoopbackUrl } from '../../support/loopback.js';
import { fetchIssuerDocument } from './fetch-issuer.js';

/** How long discovered keys are used before they are fetched again, and the least time between two refetches for an unknown `kid`. */
export const KEYS_MAX_AGE_MS = 10 * 60_000;
export const REFETCH_COOLDOWN_MS = 1000;

interface Entry {
  keys: JWTVerifyGetKey;
  fetchedAt: number;
}

/**
 * The keys of registered OIDC providers, as STS gets them: the discovery document
 * `<issuer>/.well-known/openid-configuration`, then its `jwks_uri` (loopback only), each fetch
 * bounded to 3 s and 1 MB; over https the issuer's certificate must match one of the provider's
 * thumbprints (fetch-issuer.ts). Fetched lazily (the demo's issuer is rolegate, which may start
 * after the devstack), kept for 10 minutes per provider URL and thumbprint list, and fetched again
 * at once (at most once a second) when a token names a `kid` the cached set lacks, so a rotated
 * key is picked up. A failed fetch is not kept: the next call tries again.
 */
export class OidcKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A key resolver for the provider's tokens; rejects when the issuer cannot be read (or its certificate does not match). */
  async keysFor(provider: Pick<OidcProviderEntry, 'url' | 'thumbprints'>): Promise<JWTVerifyGetKey> {
    const cacheKey = `${provider.url}|${provider.thumbprints.join(',').toLowerCase()}`;
    const fresh = (entry: Entry | undefined) => entry !== undefined && this.now() - entry.fetchedAt < KEYS_MAX_AGE_MS;
    let entry = this.entries.get(cacheKey);
    if (!fresh(entry)) entry = await this.#load(provider, cacheKey);
    const current = entry as Entry;
    return async (header, token) => {
      try {
        return await current.keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || this.now() - current.fetchedAt < REFETCH_COOLDOWN_MS) throw error;
        const reloaded = await this.#load(provider, cacheKey);
        return reloaded.keys(header, token);
      }
    };
  }

  async #load(provider: Pick<OidcProviderEntry, 'url' | 'thumbprints'>, cacheKey: string): Promise<Entry> {
    const issuer = provider.url;
    const discovery = JSON.parse(await fetchIssuerDocument(`${issuer}/.well-known/openid-configuration`, provider.thumbprints)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    };
    if (discovery.issuer !== issuer && discovery.issuer !== `${issuer}/`)
      throw new Error(`the discovery document names issuer ${String(discovery.issuer)}, not ${issuer}`);
    if (typeof discovery.jwks_uri !== 'string' || !isLoopbackUrl(discovery.jwks_uri))
      throw new Error('the discovery document has no loopback jwks_uri');
    const jwks = JSON.parse(await fetchIssuerDocument(discovery.jwks_uri, provider.thumbprints)) as JSONWebKeySet;
    if (!Array.isArray(jwks.keys)) throw new Error(`${discovery.jwks_uri} is not a JSON Web Key Set`);
    const entry = { keys: createLocalJWKSet(jwks), fetchedAt: this.now() };
    this.entries.set(cacheKey, entry);
    return entry;
  }
}

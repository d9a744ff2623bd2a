import type { IdentityProvider } from '../../domain/identity-provider.js';
import type { Clock } from '../../ports/clock.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';

/** How long a found IdP is answered from memory: other instances' writes (their seeding, a metadata refresh) show after this at most. */
export const IDP_CACHE_TTL_MS = 5000;

/**
 * The IdP store with `findBySlug` answered from memory for a few seconds: every
 * sign-in start and every callback looks its IdP up, and reading and
 * validating the row each time cost about half a millisecond of CPU per
 * sign-in. Only IdPs that exist are kept (an unknown slug is asked of the
 * store every time, so no input grows the cache), a failed read is not kept,
 * and a write through this store (seeding, a SAML metadata refresh on this
 * instance) takes effect at once. Another instance's write takes effect
 * within `ttlMs`.
 */
export function cachingIdentityProviders(store: IdentityProviderStore, clock: Clock, ttlMs = IDP_CACHE_TTL_MS): IdentityProviderStore {
  const found = new Map<string, { until: number; provider: Promise<IdentityProvider | null> }>();
  return {
    list: () => store.list(),
    async upsert(seed) {
      found.delete(seed.slug);
      try {
        return await store.upsert(seed);
      } finally {
        // A read that began before the write finished may hold the old row: drop it too.
        found.delete(seed.slug);
      }
    },
    async findBySlug(slug) {
      const now = clock.now();
      const cached = found.get(slug);
      if (cached && cached.until > now) return cached.provider;
      const provider = store.findBySlug(slug);
      const entry = { until: now + ttlMs, provider };
      found.set(slug, entry);
      try {
        const value = await provider;
        if (value === null && found.get(slug) === entry) found.delete(slug);
        return value;
      } catch (error) {
        if (found.get(slug) === entry) found.delete(slug);
        throw error;
      }
    },
  };
}

import { RolegateError } from '../../domain/errors.js';
import type { IdentityProviderStore } from '../../ports/identity-provider-store.js';
import type { IdentityProviderAvailability } from './identity-provider-availability.js';

/**
 * The IdP store as sign-in sees it: an IdP that is configured but could not
 * be set up because it is unreachable (its SAML metadata never read) is not
 * "no such IdP" (404) but a 503 that says it is temporarily unavailable, with
 * Retry-After at its next check.
 */
export function withUnavailableIdps(store: IdentityProviderStore, availability: IdentityProviderAvailability): IdentityProviderStore {
  return {
    list: () => store.list(),
    upsert: (seed) => store.upsert(seed),
    async findBySlug(slug) {
      const found = await store.findBySlug(slug);
      if (found) return found;
      const status = availability.statusOf(slug);
      if (status?.state !== 'unavailable' || !status.enabled) return null;
      const retryInSeconds = Math.max(1, Math.ceil(((status.nextCheckAt ?? Date.now()) - Date.now()) / 1000));
      throw new RolegateError('dependency_unavailable', {
        detail: `Sign-in with ${status.displayName} is temporarily unavailable: rolegate cannot reach this identity provider right now and keeps trying. Try again in a few minutes.`,
        headers: { 'Retry-After': String(retryInSeconds) },
      });
    },
  };
}

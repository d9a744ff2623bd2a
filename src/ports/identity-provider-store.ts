import type { IdentityProvider, IdentityProviderSeed } from '../domain/identity-provider.js';

/**
 * The configured corporate IdPs (table identity_providers). Settings are
 * validated per kind when read; a row that no longer validates is reported by
 * `list` in `invalid` and never used for sign-in.
 */
export interface IdentityProviderStore {
  /** Every IdP, enabled or not, ordered by display name. */
  list(): Promise<{ providers: IdentityProvider[]; invalid: { slug: string; problem: string }[] }>;
  /** The IdP with this slug, or null when absent or its settings do not validate. */
  findBySlug(slug: string): Promise<IdentityProvider | null>;
  /** Creates or updates the IdP with the seed's slug (secrets in the seed are never stored). */
  upsert(seed: IdentityProviderSeed): Promise<IdentityProvider>;
}

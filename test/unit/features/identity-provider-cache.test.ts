import { describe, expect, it } from 'vitest';
import type { IdentityProvider, IdentityProviderSeed } from '../../../src/domain/identity-provider.js';
import { identityProviderSeedSchema } from '../../../src/domain/identity-provider.js';
import { cachingIdentityProviders } from '../../../src/features/login/identity-provider-cache.js';
import type { IdentityProviderStore } from '../../../src/ports/identity-provider-store.js';

const seed = (displayName: string): IdentityProviderSeed =>
  identityProviderSeedSchema.parse({
    slug: 'corp',
    displayName,
    kind: 'oidc',
    settings: { issuer: 'https://idp.corp.example', clientId: 'c' },
  });

/** A store that counts reads; `fail` makes the next read reject. */
function countingStore() {
  const rows = new Map<string, IdentityProvider>();
  const store = {
    rows,
    reads: 0,
    fail: false,
    list: () => Promise.resolve({ providers: [...rows.values()], invalid: [] }),
    findBySlug(slug: string) {
      store.reads++;
      if (store.fail) {
        store.fail = false;
        return Promise.reject(new Error('database down'));
      }
      return Promise.resolve(rows.get(slug) ?? null);
    },
    upsert(s: IdentityProviderSeed) {
      const row = { id: s.slug, ...s } as unknown as IdentityProvider;
      rows.set(s.slug, row);
      return Promise.resolve(row);
    },
  } satisfies IdentityProviderStore & Record<string, unknown>;
  return store;
}

describe('IdP lookups from memory', () => {
  it('when an IdP is looked up again within the TTL, then the store is read once; after the TTL, again', async () => {
    const store = countingStore();
    let now = 1_000;
    const idps = cachingIdentityProviders(store, { now: () => now }, 5000);
    await idps.upsert(seed('Corp'));
    const reads = await Promise.all([idps.findBySlug('corp'), idps.findBySlug('corp')]);
    expect(reads.map((r) => r?.displayName)).toEqual(['Corp', 'Corp']);
    now += 4999;
    await idps.findBySlug('corp');
    expect(store.reads).toBe(1);
    now += 1;
    await idps.findBySlug('corp');
    expect(store.reads).toBe(2);
  });

  it('when this instance writes an IdP, then the next lookup sees the write at once', async () => {
    const store = countingStore();
    const idps = cachingIdentityProviders(store, { now: () => 1_000 }, 5000);
    await idps.upsert(seed('Corp'));
    expect((await idps.findBySlug('corp'))?.displayName).toBe('Corp');
    await idps.upsert(seed('Corp, renamed'));
    expect((await idps.findBySlug('corp'))?.displayName).toBe('Corp, renamed');
  });

  it('when a slug is unknown or the read fails, then nothing is kept: the next lookup asks the store again', async () => {
    const store = countingStore();
    const idps = cachingIdentityProviders(store, { now: () => 1_000 }, 5000);
    expect(await idps.findBySlug('nobody')).toBeNull();
    expect(await idps.findBySlug('nobody')).toBeNull();
    expect(store.reads).toBe(2);
    await store.upsert(seed('Corp'));
    store.fail = true;
    await expect(idps.findBySlug('corp')).rejects.toThrow('database down');
    expect((await idps.findBySlug('corp'))?.displayName).toBe('Corp');
    expect(store.reads).toBe(4);
  });
});

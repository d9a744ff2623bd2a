import { describe, expect, it } from 'vitest';
import type { IdentityProvider, IdentityProviderSeed } from '../../../src/domain/identity-provider.js';
import { identityProviderSeedSchema } from '../../../src/domain/identity-provider.js';
import { IdentityProviderAvailability, signInChoices } from '../../../src/features/login/identity-provider-availability.js';
import type { IdentityProviderStore } from '../../../src/ports/identity-provider-store.js';
import type { SamlMetadata } from '../../../src/ports/saml-gateway.js';
import { captureLogs } from '../../support/logs.js';
import { waitFor } from '../../support/wait.js';

const samlSeed = identityProviderSeedSchema.parse({
  slug: 'corp',
  displayName: 'Corp',
  kind: 'saml',
  settings: {},
  metadata: { url: 'https://idp.corp.example/metadata' },
});
const metadata: SamlMetadata = { entityId: 'https://idp.corp.example', ssoUrl: 'https://idp.corp.example/sso', certificates: ['MIIB'] };

/** An in-memory store; `upsert` validates as the real one does (enough for these rules). */
function memoryStore(): IdentityProviderStore & { rows: Map<string, IdentityProvider> } {
  const rows = new Map<string, IdentityProvider>();
  return {
    rows,
    list: () => Promise.resolve({ providers: [...rows.values()], invalid: [] }),
    findBySlug: (slug) => Promise.resolve(rows.get(slug) ?? null),
    upsert: (seed) => {
      const row = { id: seed.slug, ...seed } as unknown as IdentityProvider;
      rows.set(seed.slug, row);
      return Promise.resolve(row);
    },
  };
}

/** A metadata source that answers while `up`; `reads` holds when each read happened. */
interface Reader {
  up: boolean;
  reads: number[];
}

function availabilityWith(reader: Reader, store = memoryStore(), retry = { initialDelayMs: 40, maxDelayMs: 160 }) {
  const logs = captureLogs();
  const availability = new IdentityProviderAvailability(
    {
      idps: store,
      metadata: {
        read: () => {
          reader.reads.push(Date.now());
          return reader.up
            ? Promise.resolve(metadata)
            : Promise.reject(new Error('cannot fetch https://idp.corp.example/metadata: fetch failed'));
        },
      },
      oidc: { discover: () => Promise.resolve() },
      logger: logs.logger,
      clock: { now: () => Date.now() },
    },
    retry,
  );
  return { availability, store, logs };
}

describe('IdentityProviderAvailability', () => {
  it('when SAML metadata cannot be read at start-up, then the IdP is unavailable (not a configuration problem), retried, and available once it answers', async () => {
    const reader: Reader = { up: false, reads: [] };
    const { availability, store } = availabilityWith(reader);
    expect(await availability.start([samlSeed])).toEqual([]);
    expect(availability.statusOf('corp')).toMatchObject({
      state: 'unavailable',
      failures: 1,
      reason: expect.stringMatching(/metadata/) as unknown,
    });
    expect(store.rows.has('corp')).toBe(false);
    await waitFor(() => (reader.reads.length >= 3 ? true : undefined), 'two retries', 2000, 5);
    reader.up = true;
    await waitFor(() => (availability.statusOf('corp')?.state === 'available' ? true : undefined), 'recovery', 2000, 5);
    expect(store.rows.get('corp')).toMatchObject({ settings: { entityId: metadata.entityId } });
    availability.stop();
  });

  it('when metadata cannot be refreshed but an earlier start stored it, then the IdP is stale, still usable, and retried', async () => {
    const store = memoryStore();
    await store.upsert({ ...samlSeed, settings: { ...samlSeed.settings, ...metadata } } as IdentityProviderSeed);
    const { availability } = availabilityWith({ up: false, reads: [] }, store);
    await availability.start([samlSeed]);
    expect(availability.statusOf('corp')?.state).toBe('stale');
    availability.stop();
  });

  it('when checks keep failing, then each wait doubles up to the maximum, jittered between half and all of it', async () => {
    for (const [random, share] of [
      [0, 0.5],
      [0.999_999, 1],
    ] as const) {
      // Each check reads the metadata: what the status said when it started is the wait that led to it.
      const waits = new Map<number, number>();
      const holder: { availability?: IdentityProviderAvailability } = {};
      const availability = new IdentityProviderAvailability(
        {
          idps: memoryStore(),
          metadata: {
            read: () => {
              const status = holder.availability?.statusOf('corp');
              if (status?.nextCheckAt !== undefined) waits.set(status.failures, status.nextCheckAt);
              return Promise.reject(new Error('cannot fetch: fetch failed'));
            },
          },
          oidc: { discover: () => Promise.resolve() },
          logger: captureLogs().logger,
          clock: { now: () => 0 }, // nextCheckAt is then the wait itself
          random: () => random,
        },
        { initialDelayMs: 20, maxDelayMs: 80 },
      );
      holder.availability = availability;
      await availability.start([samlSeed]);
      await waitFor(() => (waits.size >= 5 ? true : undefined), 'five failed checks', 5000, 5);
      availability.stop();
      expect([1, 2, 3, 4, 5].map((failures) => waits.get(failures))).toEqual([20, 40, 80, 80, 80].map((c) => Math.round(c * share)));
    }
  });

  it('when stopped, then no further check runs', async () => {
    const reader: Reader = { up: false, reads: [] };
    const { availability } = availabilityWith(reader);
    await availability.start([samlSeed]);
    availability.stop();
    const reads = reader.reads.length;
    await new Promise((resolve) => setTimeout(resolve, 300)); // longer than the longest wait: a check would have run
    expect(reader.reads).toHaveLength(reads);
  });

  it('when a sign-in sees an OIDC IdP fail or succeed, then its state follows at once', async () => {
    const oidcSeed = identityProviderSeedSchema.parse({
      slug: 'okta',
      displayName: 'Okta',
      kind: 'oidc',
      settings: { issuer: 'https://okta.example', clientId: 'x' },
    });
    const { availability } = availabilityWith({ up: true, reads: [] });
    await availability.start([oidcSeed]);
    await waitFor(() => (availability.statusOf('okta')?.state === 'available' ? true : undefined), 'the first check');
    availability.observe('okta', { ok: false, reason: 'Identity provider okta cannot be reached' });
    expect(availability.statusOf('okta')?.state).toBe('unavailable');
    availability.observe('okta', { ok: true });
    expect(availability.statusOf('okta')?.state).toBe('available');
    availability.stop();
  });
});

describe('signInChoices', () => {
  it('when IdPs are enabled, disabled, unreachable or missing from the database, then the chooser lists exactly the enabled ones, marking the unreachable', () => {
    const choices = signInChoices(
      [
        { slug: 'b', kind: 'oidc', displayName: 'Beta', enabled: true },
        { slug: 'off', kind: 'oidc', displayName: 'Off', enabled: false },
        { slug: 'a', kind: 'saml', displayName: 'Alpha', enabled: true },
      ],
      [
        { slug: 'b', kind: 'oidc', displayName: 'Beta', enabled: true, state: 'unavailable', failures: 2 },
        { slug: 'a', kind: 'saml', displayName: 'Alpha', enabled: true, state: 'available', failures: 0 },
        { slug: 'c', kind: 'saml', displayName: 'Gamma', enabled: true, state: 'unavailable', failures: 1 },
        { slug: 'd', kind: 'saml', displayName: 'Delta', enabled: false, state: 'unavailable', failures: 1 },
      ],
    );
    expect(choices).toEqual([
      { slug: 'a', kind: 'saml', displayName: 'Alpha', unavailable: false },
      { slug: 'b', kind: 'oidc', displayName: 'Beta', unavailable: true },
      { slug: 'c', kind: 'saml', displayName: 'Gamma', unavailable: true },
    ]);
  });
});

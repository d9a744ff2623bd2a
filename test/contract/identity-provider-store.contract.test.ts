import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/adapters/db/database.js';
import { PrismaIdentityProviderStore } from '../../src/adapters/db/prisma-identity-provider-store.js';
import { identityProviderSeedSchema } from '../../src/domain/identity-provider.js';
import { createEmbeddedTestDatabase } from '../support/embedded-postgres.js';
import { captureLogs } from '../support/logs.js';
import { createTestDatabase } from '../support/postgres.js';

const implementations = [
  {
    name: 'postgres',
    create: async () => {
      const testDb = await createTestDatabase();
      const database = await connectDatabase({ url: testDb.url, poolSize: 2, connectTimeoutMs: 5000, logger: captureLogs().logger });
      return {
        database,
        close: async () => {
          await database.close();
          await testDb.drop();
        },
      };
    },
  },
  { name: 'pglite', create: createEmbeddedTestDatabase },
];

const oidcSeed = identityProviderSeedSchema.parse({
  slug: 'okta',
  displayName: 'Okta',
  kind: 'oidc',
  groupsFrom: 'groups',
  settings: { issuer: 'https://corp.okta.com/oauth2/default', clientId: 'rolegate' },
  clientSecret: 'must-not-be-stored',
});
const samlSeed = identityProviderSeedSchema.parse({
  slug: 'adfs',
  displayName: 'AD FS',
  kind: 'saml',
  groupsFrom: 'http://schemas.xmlsoap.org/claims/Group',
  settings: {
    entityId: 'http://adfs.corp.example/adfs/services/trust',
    ssoUrl: 'https://adfs.corp.example/adfs/ls/',
    certificates: ['MIIC...'],
  },
});

describe.each(implementations)('IdentityProviderStore contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let store: PrismaIdentityProviderStore;
  beforeAll(async () => {
    ({ database, close } = await create());
    store = new PrismaIdentityProviderStore(database.prisma);
  });
  afterAll(async () => {
    await close();
  });

  it('when IdPs of both kinds are upserted, then they read back with defaulted, validated settings', async () => {
    await store.upsert(oidcSeed);
    await store.upsert(samlSeed);
    const okta = await store.findBySlug('okta');
    expect(okta).toMatchObject({
      kind: 'oidc',
      displayName: 'Okta',
      enabled: true,
      settings: { idTokenSignedResponseAlg: 'RS256', scopes: ['openid', 'profile', 'email'] },
    });
    const adfs = await store.findBySlug('adfs');
    expect(adfs).toMatchObject({ kind: 'saml', settings: { wantResponseSigned: false, idpInitiated: { enabled: false } } });
    const { providers } = await store.list();
    expect(providers.map((p) => p.slug)).toEqual(['adfs', 'okta']);
  });

  it('when an OIDC seed carries a client secret, then the database never holds it', async () => {
    await store.upsert(oidcSeed);
    const row = await database.prisma.identityProvider.findUniqueOrThrow({ where: { slug: 'okta' } });
    expect(JSON.stringify(row)).not.toContain('must-not-be-stored');
  });

  it('when a seed is upserted again, then the row is updated in place and its version increases', async () => {
    const before = await database.prisma.identityProvider.findUniqueOrThrow({ where: { slug: 'adfs' } });
    await store.upsert({ ...samlSeed, displayName: 'AD FS (new)', enabled: false });
    const after = await database.prisma.identityProvider.findUniqueOrThrow({ where: { slug: 'adfs' } });
    expect(after.id).toBe(before.id);
    expect(after.version).toBe(before.version + 1);
    expect(await store.findBySlug('adfs')).toMatchObject({ displayName: 'AD FS (new)', enabled: false });
  });

  it('when a row holds settings that no longer validate, then it is reported and never returned for sign-in', async () => {
    await database.prisma.identityProvider.create({
      data: { slug: 'broken', displayName: 'Broken', kind: 'saml', settings: { entityId: 'x' } },
    });
    expect(await store.findBySlug('broken')).toBeNull();
    const { invalid } = await store.list();
    expect(invalid).toEqual([{ slug: 'broken', problem: expect.stringContaining('settings.ssoUrl') as unknown }]);
  });

  it('when the slug is unknown, then findBySlug is null', async () => {
    expect(await store.findBySlug('nope')).toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/adapters/db/database.js';
import { PrismaCliGrantStore } from '../../src/adapters/db/prisma-cli-grant-store.js';
import type { Principal } from '../../src/domain/principal.js';
import type { NewCliGrant } from '../../src/ports/cli-grant-store.js';
import { createEmbeddedTestDatabase } from '../support/embedded-postgres.js';
import { captureLogs } from '../support/logs.js';
import { createTestDatabase } from '../support/postgres.js';

const implementations = [
  {
    name: 'postgres',
    create: async () => {
      const testDb = await createTestDatabase();
      const database = await connectDatabase({ url: testDb.url, poolSize: 4, connectTimeoutMs: 5000, logger: captureLogs().logger });
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

const principal = (subject: string): Principal => ({
  id: `corp:${subject}`,
  idp: 'corp',
  subject,
  username: subject,
  groups: ['aws-dev'],
  authn: { methods: ['pwd', 'mfa'], mfa: true, authenticatedAt: 1_700_000_000_000 },
});

const newGrant = (subject: string, overrides: Partial<NewCliGrant> = {}): NewCliGrant => ({
  id: randomUUID(),
  clientId: 'rolegate-cli',
  principal: principal(subject),
  deviceName: 'laptop',
  flow: 'loopback',
  loginSessionId: 'a'.repeat(64),
  now: new Date(),
  expiresAt: new Date(Date.now() + 3_600_000),
  ...overrides,
});

const hash = () => randomUUID().replace(/-/g, '').repeat(2);

describe.each(implementations)('CliGrantStore contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let store: PrismaCliGrantStore;
  // PGlite starts slowly when the machine is busy (several suites share it): give it two minutes.
  beforeAll(async () => {
    ({ database, close } = await create());
    store = new PrismaCliGrantStore(database.prisma);
  }, 120_000);
  afterAll(async () => {
    await close();
  });

  it('when the migrations ran, then the rolegate CLI is a known client', async () => {
    expect(await store.findClient('rolegate-cli')).toEqual({ id: 'rolegate-cli', name: 'rolegate CLI' });
    expect(await store.findClient('nope')).toBeNull();
  });

  it('when a grant is created, then it and its refresh token read back with the principal snapshot', async () => {
    const input = newGrant('u1', { flow: 'device', deviceName: 'ci', sourceIp: '127.0.0.1' });
    const refresh = hash();
    const grant = await store.createGrant(input, refresh);
    expect(grant).toMatchObject({ id: input.id, principal: input.principal, flow: 'device', deviceName: 'ci', sourceIp: '127.0.0.1' });
    const found = await store.findRefreshToken(refresh);
    expect(found?.grant.id).toBe(input.id);
    expect(found?.token).toMatchObject({ grantId: input.id, clientId: 'rolegate-cli' });
    expect(found?.token.rotatedAt).toBeUndefined();
    expect(await store.findRefreshToken(hash())).toBeNull();
  });

  it('when a token is rotated, then the old one is marked rotated, the successor is live and the grant was used', async () => {
    const input = newGrant('u2', { now: new Date(Date.now() - 60_000) });
    const first = hash();
    await store.createGrant(input, first);
    const second = hash();
    expect(await store.rotateRefreshToken((await store.findRefreshToken(first))?.token.id ?? '', second, new Date())).toBe(true);
    expect((await store.findRefreshToken(first))?.token.rotatedAt).toBeInstanceOf(Date);
    const successor = await store.findRefreshToken(second);
    expect(successor?.token.rotatedAt).toBeUndefined();
    expect(successor?.grant.lastUsedAt.getTime()).toBeGreaterThan(input.now.getTime());
  });

  it('when one token is rotated by ten concurrent calls, then exactly one succeeds', async () => {
    const first = hash();
    await store.createGrant(newGrant('u3'), first);
    const id = (await store.findRefreshToken(first))?.token.id ?? '';
    const results = await Promise.all(Array.from({ length: 10 }, () => store.rotateRefreshToken(id, hash(), new Date())));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('when a grant is revoked, then it and its tokens are revoked, once; revoked tokens cannot be rotated', async () => {
    const input = newGrant('u4');
    const first = hash();
    await store.createGrant(input, first);
    expect(await store.revokeGrant(input.id, 'test', new Date())).toBe(true);
    expect(await store.revokeGrant(input.id, 'test', new Date())).toBe(false);
    const found = await store.findRefreshToken(first);
    expect(found?.grant).toMatchObject({ revokedReason: 'test' });
    expect(found?.token.revokedAt).toBeInstanceOf(Date);
    expect(await store.rotateRefreshToken(found?.token.id ?? '', hash(), new Date())).toBe(false);
    expect(await store.revokeGrant('not-a-uuid', 'x', new Date())).toBe(false);
  });

  it('when listing and revoking all of a principal, then only their live, unexpired grants count', async () => {
    const live1 = newGrant('u5');
    const live2 = newGrant('u5', { deviceName: 'second' });
    const expired = newGrant('u5', { expiresAt: new Date(Date.now() - 1000) });
    const other = newGrant('u6');
    for (const g of [live1, live2, expired, other]) await store.createGrant(g, hash());
    const listed = await store.listActiveGrants('corp:u5', new Date());
    expect(listed.map((g) => g.id).sort()).toEqual([live1.id, live2.id].sort());
    const revoked = await store.revokeGrantsOf('corp:u5', 'admin', new Date());
    expect(revoked.sort()).toEqual([live1.id, live2.id].sort());
    expect(await store.listActiveGrants('corp:u5', new Date())).toEqual([]);
    expect(await store.listActiveGrants('corp:u6', new Date())).toHaveLength(1);
  });

  it('when grants are live, ending and revoked, then the active count follows the time asked, not the database clock', async () => {
    const now = new Date();
    const before = await store.countActiveGrants(now);
    const live = newGrant('u7');
    const ending = newGrant('u8', { expiresAt: new Date(now.getTime() + 60_000) });
    const revoked = newGrant('u7');
    for (const g of [live, ending, revoked]) await store.createGrant(g, hash());
    await store.revokeGrant(revoked.id, 'user', now);
    expect(await store.countActiveGrants(now)).toBe(before + 2);
    // A minute and a second later, the ending grant has expired; the count follows the time given, not the database's clock.
    expect(await store.countActiveGrants(new Date(now.getTime() + 61_000))).toBe(before + 1);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { AesGcmSealer } from '../../src/adapters/crypto/aes-gcm-sealer.js';
import { PrismaSigningKeyStore } from '../../src/adapters/db/prisma-signing-key-store.js';
import { DatabaseSigningKeys, SigningKeyError } from '../../src/adapters/issuer/database-signing-keys.js';
import { RolegateError } from '../../src/domain/errors.js';
import type { Clock } from '../../src/ports/clock.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';

const implementations = databaseImplementations({ poolSize: 4 });

describe.each(implementations)('SigningKeyStore and DatabaseSigningKeys contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  const master = randomBytes(32);
  let now = Date.UTC(2026, 10, 23, 10, 0, 0);
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    ({ database, close } = await create());
  });
  afterAll(async () => {
    await close();
  });

  function keys(options: { refreshMs?: number; master?: Buffer[] } = {}) {
    return new DatabaseSigningKeys({
      store: new PrismaSigningKeyStore(database.prisma),
      sealer: new AesGcmSealer(options.master ?? [master], 'signing-keys'),
      clock,
      logger: captureLogs().logger,
      // The contract is about storage and rotation; small keys keep RSA generation from dominating the run.
      keyBits: 1024,
      assertionLifetimeSeconds: 300,
      refreshMs: options.refreshMs ?? 0,
    });
  }

  it('when two instances start at once on an empty table, then they agree on one active key per purpose, stored sealed', async () => {
    await database.prisma.signingKey.deleteMany();
    const [a, b] = [keys(), keys()];
    await Promise.all([a.init(), b.init()]);
    const [fromA, fromB] = await Promise.all([a.active('saml'), b.active('saml')]);
    expect(fromA.kid).toBe(fromB.kid);
    expect((await a.active('jwt')).kid).not.toBe(fromA.kid);
    const rows = await database.prisma.signingKey.findMany();
    expect(rows.map((r) => `${r.purpose}:${String(r.slot)}`).sort()).toEqual(['jwt:active', 'saml:active']);
    for (const row of rows) {
      expect(row.sealedPrivateKey).toMatch(/^rg1\./);
      expect(row.sealedPrivateKey).not.toContain('PRIVATE KEY');
    }
  });

  it('when an instance restarts, then it reuses the stored keys', async () => {
    const first = keys();
    await first.init();
    const second = keys();
    await second.init();
    expect((await second.active('saml')).kid).toBe((await first.active('saml')).kid);
  });

  it('when the configured encryption key is not the one the keys were sealed with, then start-up fails saying so', async () => {
    await keys().init();
    const error = await keys({ master: [randomBytes(32)] })
      .init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SigningKeyError);
    expect((error as Error).message).toMatch(/cannot be decrypted \(it was sealed with an encryption key that is no longer configured\)/);
  });

  it('when a sealed key is copied into another row, then it does not open (bound to its kid)', async () => {
    const ring = keys();
    await ring.init();
    const saml = await database.prisma.signingKey.findFirstOrThrow({ where: { purpose: 'saml', slot: 'active' } });
    const jwt = await database.prisma.signingKey.findFirstOrThrow({ where: { purpose: 'jwt', slot: 'active' } });
    await database.prisma.signingKey.update({ where: { kid: jwt.kid }, data: { sealedPrivateKey: saml.sealedPrivateKey } });
    try {
      await expect(keys().init()).rejects.toThrow(/wrong encryption key or altered data/);
    } finally {
      await database.prisma.signingKey.update({ where: { kid: jwt.kid }, data: { sealedPrivateKey: jwt.sealedPrivateKey } });
    }
  });

  it('when a key is rotated, then the next key is published before it signs and the old one until its assertions expired', async () => {
    const ring = keys();
    await ring.init();
    const old = await ring.active('saml');

    const next = await ring.prepareNext('saml');
    expect((await ring.prepareNext('saml')).kid).toBe(next.kid);
    expect((await ring.active('saml')).kid).toBe(old.kid);
    expect((await ring.published('saml')).map((k) => [k.kid, k.state])).toEqual([
      [old.kid, 'active'],
      [next.kid, 'next'],
    ]);

    const promoted = await ring.promote('saml');
    expect(promoted?.kid).toBe(next.kid);
    expect((await ring.active('saml')).kid).toBe(next.kid);
    expect((await ring.published('saml')).map((k) => [k.kid, k.state])).toEqual([
      [old.kid, 'retired'],
      [next.kid, 'active'],
    ]);
    expect(await ring.promote('saml')).toBeUndefined();

    now += 300_000 + 5 * 60_000 - 1;
    expect(await ring.purge()).toBe(0);
    expect((await ring.published('saml')).map((k) => k.kid)).toContain(old.kid);
    now += 2;
    expect((await ring.published('saml')).map((k) => k.kid)).toEqual([next.kid]);
    expect(await ring.purge()).toBe(1);
  });

  it('when two instances promote at once, then exactly one rotation happens', async () => {
    const ring = keys();
    await ring.init();
    const before = await ring.active('jwt');
    const next = await ring.prepareNext('jwt');
    const results = await Promise.allSettled([keys().promote('jwt'), keys().promote('jwt')]);
    const promotedKids = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value.kid] : []));
    expect(promotedKids).toEqual([next.kid]);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as RolegateError).code).toBe('conflict');
    const active = await database.prisma.signingKey.findMany({ where: { purpose: 'jwt', slot: 'active' } });
    expect(active.map((k) => k.kid)).toEqual([next.kid]);
    expect(before.kid).not.toBe(next.kid);
  });

  it('when another instance rotates, then this instance picks it up after its refresh interval', async () => {
    const slow = keys({ refreshMs: 30_000 });
    await slow.init();
    const before = await slow.active('saml');
    const other = keys();
    await other.prepareNext('saml');
    await other.promote('saml');
    expect((await slow.active('saml')).kid).toBe(before.kid);
    now += 30_000;
    expect((await slow.active('saml')).kid).not.toBe(before.kid);
  });

  it('when the store fails after keys were read once, then signing goes on with the keys last read', async () => {
    const store = new PrismaSigningKeyStore(database.prisma);
    let failing = false;
    const flaky = Object.assign(Object.create(store) as PrismaSigningKeyStore, {
      listPublished: (purpose: 'saml' | 'jwt', at: Date) =>
        failing ? Promise.reject(new Error('connection refused')) : store.listPublished(purpose, at),
    });
    const logs = captureLogs();
    const ring = new DatabaseSigningKeys({
      store: flaky,
      sealer: new AesGcmSealer([master], 'signing-keys'),
      clock,
      logger: logs.logger,
      keyBits: 1024,
      assertionLifetimeSeconds: 300,
      refreshMs: 0,
    });
    await ring.init();
    const before = await ring.active('saml');
    failing = true;
    expect((await ring.active('saml')).kid).toBe(before.kid);
    expect(logs.lines().some((l) => l.msg === 'cannot refresh signing keys; using the ones last read')).toBe(true);
    const cold = new DatabaseSigningKeys({
      store: flaky,
      sealer: new AesGcmSealer([master], 'signing-keys'),
      clock,
      logger: logs.logger,
      keyBits: 1024,
      assertionLifetimeSeconds: 300,
    });
    await expect(cold.active('saml')).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });
});

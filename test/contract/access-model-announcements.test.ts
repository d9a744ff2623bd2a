import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import { PrismaAccessStore } from '../../src/adapters/db/prisma-access-store.js';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import { createObject } from '../../src/features/admin/admin-objects.js';
import { AccessModelCache } from '../../src/features/credentials/access-model-cache.js';
import type { KvStore } from '../../src/ports/kv-store.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

// Two instances on one database and one Redis: an admin change announced by one reloads the other
// at once, and not the announcing instance a second time (it reloaded before announcing).
const postgres = databaseImplementations().filter((d) => d.name === 'postgres');

describe.each(postgres)('access-model announcements: $name', ({ create }) => {
  const prefix = uniqueRedisPrefix();
  const logger = captureLogs().logger;
  let database: Database;
  let close: () => Promise<void>;
  const kvs: KvStore[] = [];
  const caches: AccessModelCache[] = [];
  beforeAll(async () => {
    ({ database, close } = await create());
    for (let i = 0; i < 2; i++) {
      const kv = await RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger });
      kvs.push(kv);
      caches.push(new AccessModelCache(new PrismaAccessStore(database.prisma), kv, logger, 3_600_000));
    }
    for (const cache of caches) await cache.start();
  });
  afterAll(async () => {
    for (const cache of caches) await cache.stop();
    for (const kv of kvs) await kv.close();
    await deleteRedisKeys(prefix);
    await close();
  });

  it('when one instance announces a change, then the other reloads and the announcer does not load its own announcement', async () => {
    const [one, other] = caches as [AccessModelCache, AccessModelCache];
    expect([one.stats?.version, other.stats?.version]).toEqual([1, 1]);
    await one.announceChange();
    await waitFor(() => (other.stats?.version === 2 ? true : undefined), 'the other instance to reload');
    // A change the first instance can only see by loading again, announced by the other one: Redis delivers
    // the first instance's own announcement to it before this one, so by the time it shows the account, any
    // load of its own announcement has happened too.
    const admin = {
      store: new PrismaAccessAdminStore(database.prisma),
      logger,
      transport: { production: false, allowInsecureLoopback: false },
    };
    const quiet = { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() };
    const actor = { principal: { id: 'corp:admin', idp: 'corp', groups: [] }, requestId: 'r', log: logger };
    await createObject({ ...admin, accessModel: quiet }, actor, 'account', { id: '444455556666', alias: 'announced' });
    await other.announceChange();
    await waitFor(async () => ((await one.current()).accounts.some((a) => a.alias === 'announced') ? true : undefined), 'the account');
    expect(one.stats?.version).toBe(2);
  });
});

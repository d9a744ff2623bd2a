import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import { PrismaAccessStore } from '../../src/adapters/db/prisma-access-store.js';
import { parseAccessYaml } from '../../src/features/admin/access-file.js';
import { applyAccess, planAccess } from '../../src/features/admin/apply-access.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';
const logger = captureLogs().logger;
const actor = { principal: { id: 'corp:admin', idp: 'corp', groups: [] }, requestId: 'r', log: logger };
it('measure', async () => {
  const text = readFileSync('/tmp/as/large.yaml', 'utf8');
  let t = performance.now();
  const parsed = parseAccessYaml(text);
  if (!parsed.ok) throw new Error('bad');
  console.log('parse', Math.round(performance.now() - t));
  for (const impl of databaseImplementations()) {
    const { database, close } = await impl.create();
    await database.prisma.identityProvider.create({ data: { slug: 'demo', displayName: 'Demo', kind: 'oidc' } });
    const deps = {
      store: new PrismaAccessAdminStore(database.prisma),
      accessModel: { reload: () => Promise.resolve(), announceChange: () => Promise.resolve() },
      logger,
    };
    t = performance.now();
    const r = await applyAccess(deps, actor, parsed.document);
    console.log(impl.name, 'apply from nothing', Math.round(performance.now() - t), r.summary);
    t = performance.now();
    await deps.store.read();
    console.log(impl.name, 'read', Math.round(performance.now() - t));
    const doc = { ...parsed.document, roles: parsed.document.roles.map((x, i) => (i === 100 ? { ...x, description: 'changed' } : x)) };
    t = performance.now();
    const p = await planAccess(deps, doc);
    console.log(impl.name, 'plan one change', Math.round(performance.now() - t), p.summary);
    t = performance.now();
    const a = await applyAccess(deps, actor, doc);
    console.log(impl.name, 'apply one change', Math.round(performance.now() - t), a.summary);
    const store = new PrismaAccessStore(database.prisma);
    t = performance.now();
    await Promise.all([store.listAccounts(), store.listRoles(), store.listMappings()]);
    console.log(impl.name, 'model load', Math.round(performance.now() - t));
    await close();
  }
}, 600000);

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PgAuditQuery } from '../../src/adapters/db/pg-audit-query.js';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import type { AdminDeps } from '../../src/features/admin/admin-deps.js';
import { parseAccessYaml } from '../../src/features/admin/access-file.js';
import { diffAccess } from '../../src/domain/access-diff.js';
import { applyAccess, exportAccess } from '../../src/features/admin/apply-access.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';

const demo = parseAccessYaml(readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8'));
const logger = captureLogs().logger;
const actor = { principal: { id: 'corp:admin', idp: 'corp', groups: ['rolegate-admins'] }, requestId: 'r-1', log: logger };

describe.each(databaseImplementations())('AccessAdminStore and AuditQuery contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let deps: AdminDeps;
  let reloads = 0;

  beforeAll(async () => {
    ({ database, close } = await create());
    deps = {
      store: new PrismaAccessAdminStore(database.prisma),
      accessModel: {
        reload: () => Promise.resolve(reloads++),
        announceChange: () => Promise.resolve(),
      },
      logger,
    };
  });
  afterAll(async () => {
    await close();
  });

  it('when the demo file is applied twice, then it is stored as written, audited once, and the second apply changes nothing', async () => {
    if (!demo.ok) throw new Error('demo file invalid');
    const first = await applyAccess(deps, actor, demo.document);
    expect(first.summary).toEqual({ add: 18, change: 0, remove: 0 });
    expect(reloads).toBe(1);
    const stored = await exportAccess(deps);
    expect(diffAccess(stored, demo.document)).toEqual([]);
    expect(stored.roles).toHaveLength(8);
    const second = await applyAccess(deps, actor, demo.document);
    expect(second).toMatchObject({ applied: false, changes: [] });
    expect(reloads).toBe(1);
    expect(await database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' } } })).toBe(18);
  });

  it('when two applies race, then they are serialised and the result is the later document', async () => {
    if (!demo.ok) throw new Error('demo file invalid');
    const a = { ...demo.document, mappings: demo.document.mappings.slice(0, 2) };
    const b = { ...demo.document, mappings: demo.document.mappings.slice(0, 4) };
    await Promise.all([applyAccess(deps, actor, a), applyAccess(deps, actor, b)]);
    const count = (await exportAccess(deps)).mappings.length;
    expect([2, 4]).toContain(count);
    await applyAccess(deps, actor, demo.document);
  });

  it('when audit events are queried with filters and a keyset, then the right ones come back newest first', async () => {
    const query = new PgAuditQuery(database);
    const roleChanges = await query.find({ type: 'admin.', role: 'Admin', limit: 100 });
    expect(roleChanges.length).toBeGreaterThan(0);
    expect(roleChanges.every((e) => e.roleArn === 'arn:aws:iam::222222222222:role/Admin')).toBe(true);
    const all = await query.find({ user: 'corp:admin', limit: 1000 });
    const page = await query.find({ user: 'corp:admin', limit: 5, beforeId: all[4]?.id ?? '0' });
    expect(page.map((e) => e.id)).toEqual(all.slice(5, 10).map((e) => e.id));
    expect(await query.deleteBefore(new Date(Date.now() - 86_400_000))).toBe(0);
  });
});

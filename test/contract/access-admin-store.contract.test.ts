import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PgAuditQuery } from '../../src/adapters/db/pg-audit-query.js';
import { PrismaAccessAdminStore } from '../../src/adapters/db/prisma-access-admin-store.js';
import { PrismaAccessStore } from '../../src/adapters/db/prisma-access-store.js';
import type { AdminDeps } from '../../src/features/admin/admin-deps.js';
import { parseAccessYaml } from '../../src/features/admin/access-file.js';
import { diffAccess } from '../../src/domain/access-diff.js';
import { applyAccess, exportAccess } from '../../src/features/admin/apply-access.js';
import { largeCompany } from '../../bench/fixtures/large-company.mjs';
import { accessDocumentSchema } from '../../src/domain/access-document.js';
import { RolegateError } from '../../src/domain/errors.js';
import { databaseImplementations } from '../support/database-implementations.js';
import { captureLogs } from '../support/logs.js';

const demo = parseAccessYaml(readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8'));
const logger = captureLogs().logger;
const changeEventFor = (key: string) => ({ type: 'admin.account.change', outcome: 'success' as const, details: { key } });
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
      transport: { production: false, allowInsecureLoopback: false },
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
    const fifth = all[4];
    const page = await query.find({ user: 'corp:admin', limit: 5, ...(fifth ? { after: { at: fifth.at, id: fifth.id } } : {}) });
    expect(page.map((e) => e.id)).toEqual(all.slice(5, 10).map((e) => e.id));
    expect(await query.deleteBefore(new Date(Date.now() - 86_400_000))).toBe(0);
  });

  /** The generated company of `accounts` accounts (mappings and alice's roles in the ratios of issue 15), validated as a file would be. */
  const company = (accounts: number) =>
    accessDocumentSchema.parse(largeCompany({ accounts, mappings: accounts * 2.5, aliceRoles: accounts / 4, idp: 'corp' }).document);
  const auditedChanges = () => database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' } } });

  it('when the 20,000-role company is applied from nothing, then it is stored as written with one audit event per object, in one transaction', async () => {
    await database.prisma.identityProvider.upsert({
      where: { slug: 'corp' },
      create: { slug: 'corp', displayName: 'Corp', kind: 'oidc' },
      update: {},
    });
    const document = company(2000);
    const before = await auditedChanges();
    const result = await applyAccess(deps, actor, document);
    expect(result.summary.add).toBe(2000 + 20_000 + 5000);
    expect(diffAccess(await exportAccess(deps), document)).toEqual([]);
    expect((await auditedChanges()) - before).toBe(result.changes.length);
  }, 120_000);

  it('when a company grows, shrinks and changes one line, then each apply writes exactly the difference', async () => {
    const small = company(400);
    const large = company(800);
    await applyAccess(deps, actor, small);
    const grown = await applyAccess(deps, actor, large);
    expect(grown.summary).toEqual({ add: 400 + 4000 + 1000, change: 0, remove: 0 });
    const edited = { ...large, roles: large.roles.map((r, i) => (i === 7 ? { ...r, description: 'one line changed' } : r)) };
    const changed = await applyAccess(deps, actor, edited);
    expect(changed.changes).toEqual([expect.objectContaining({ kind: 'role', action: 'change', fields: ['description'] })]);
    const shrunk = await applyAccess(deps, actor, small);
    expect(shrunk.summary).toEqual({ add: 0, change: 1, remove: 400 + 4000 + 1000 });
    expect(diffAccess(await exportAccess(deps), small)).toEqual([]);
  }, 120_000);

  it('when a set-based write finds one object at another version, then the whole write is refused as stale and nothing changes', async () => {
    await applyAccess(deps, actor, company(50));
    const state = await deps.store.read();
    const [first, second] = state.roles;
    if (!first || !second) throw new Error('no roles');
    await database.prisma.role.update({ where: { id: second.id }, data: { version: { increment: 1 } } });
    const writes = [first, second].map((s) => ({
      kind: 'role' as const,
      action: 'change' as const,
      id: s.id,
      version: s.version,
      entry: { ...s.entry, description: 'x' },
    }));
    const attempt = deps.store.transaction(async (_state, write) => write(writes, []));
    await expect(attempt).rejects.toMatchObject({ code: 'precondition_failed', detail: expect.stringContaining(second.id) as unknown });
    const after = await deps.store.read();
    expect(after.roles.find((r) => r.id === first.id)?.entry.description).toBe(first.entry.description);
  });

  it('when a mapping names a role that does not exist, then the write is a conflict naming it', async () => {
    const entry = {
      group: 'g',
      match: 'exact',
      role: 'arn:aws:iam::123456789012:role/Nope',
      requireMfa: false,
      allowedCidrs: [],
      breakGlass: false,
    };
    const attempt = deps.store.transaction(async (_state, write) => write([{ kind: 'mapping', action: 'add', entry }], []));
    await expect(attempt).rejects.toMatchObject({
      code: 'conflict',
      detail: 'no role arn:aws:iam::123456789012:role/Nope: create the role first',
    });
  });

  it('when a transaction outlives its timeout, then it is rolled back and answered 503 naming the setting', async () => {
    const store = new PrismaAccessAdminStore(database.prisma, { transactionTimeoutMs: 300 });
    const before = await auditedChanges();
    const attempt = store.transaction(async (state, write) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await write([], [changeEventFor(state.accounts[0]?.id ?? 'x')]);
    });
    const error: unknown = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolegateError);
    expect(error).toMatchObject({ code: 'dependency_unavailable', detail: expect.stringContaining('admin.applyTimeoutMs') as unknown });
    expect(await auditedChanges()).toBe(before);
  });

  it('when mappings set step-up ages, then apply stores them, export gives them back, and a change is one diff', async () => {
    const text = (age: number) =>
      [
        'accounts:',
        "  - id: '111111111111'",
        '    alias: sandbox',
        'roles:',
        '  - arn: arn:aws:iam::111111111111:role/Dev',
        '    mode: assume-role',
        'mappings:',
        '  - group: dev',
        '    role: arn:aws:iam::111111111111:role/Dev',
        '    requireMfa: true',
        `    mfaMaxAgeSeconds: ${String(age)}`,
        '  - group: dev',
        '    role: arn:aws:iam::111111111111:role/Dev',
        '    match: glob',
        '    access: eligible',
        '    approval: { approverGroups: [leads], maxGrant: 4h, approverMfaMaxAge: 15m }',
      ].join('\n');
    // Rows come in (group, id) order and ids are random: compare in a fixed order.
    const byFirst = (a: unknown[], b: unknown[]) => (a[0] === undefined ? 1 : 0) - (b[0] === undefined ? 1 : 0);
    const first = parseAccessYaml(text(900));
    if (!first.ok) throw new Error(JSON.stringify(first.problems));
    await applyAccess(deps, actor, first.document);
    const stored = await exportAccess(deps);
    expect(diffAccess(stored, first.document)).toEqual([]);
    expect(stored.mappings.map((m) => [m.mfaMaxAgeSeconds, m.approval?.approverMfaMaxAge]).sort(byFirst)).toEqual([
      [900, undefined],
      [undefined, '15m'],
    ]);
    const model = await new PrismaAccessStore(database.prisma).listMappings();
    expect(model.map((m) => [m.mfaMaxAgeSeconds, m.approval?.approverMfaMaxAgeSeconds]).sort(byFirst)).toEqual([
      [900, undefined],
      [undefined, 900],
    ]);
    const second = parseAccessYaml(text(600));
    if (!second.ok) throw new Error('invalid');
    expect(diffAccess(await exportAccess(deps), second.document)).toHaveLength(1);
  });
});

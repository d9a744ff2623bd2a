import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';

describe('admin API: accounts, roles and mappings', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let carol: SignedIn;

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, carol] = await Promise.all([world.signIn('bob'), world.signIn('carol')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  const rolesOf = async (user: SignedIn) =>
    ((await (await user.api('/api/v1/roles')).json()) as { accounts: { roles: { name: string }[] }[] }).accounts.flatMap((a) =>
      a.roles.map((r) => r.name),
    );

  it('when an admin creates a mapping, then it is listed with ETag and Location; updating with a stale version is 412; deleting removes it; all audited', async () => {
    const role = `arn:aws:iam::${SANDBOX}:role/ReadOnly`;
    const created = await bob.api('/api/v1/admin/mappings', { method: 'POST', body: { group: 'carol-*', match: 'glob', role } });
    expect(created.status).toBe(201);
    const mapping = (await created.json()) as { id: string; version: number };
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/api/v1/admin/mappings/${mapping.id}`);
    // carol has no groups: a glob still gives her nothing.
    expect(await rolesOf(carol)).toEqual([]);
    const list = (await (await bob.api('/api/v1/admin/mappings')).json()) as { mappings: { id: string; group: string }[] };
    expect(list.mappings.find((m) => m.id === mapping.id)).toMatchObject({ group: 'carol-*', match: 'glob', role, version: 1 });

    const updated = await bob.api(`/api/v1/admin/mappings/${mapping.id}`, {
      method: 'PUT',
      headers: { 'if-match': '"1"' },
      body: { group: 'auditors-extra', role, requireMfa: true },
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"2"');
    const stale = await bob.api(`/api/v1/admin/mappings/${mapping.id}`, {
      method: 'PUT',
      headers: { 'if-match': '"1"' },
      body: { group: 'auditors-extra', role },
    });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ code: 'precondition_failed', currentVersion: 2 });
    const noVersion = await bob.api(`/api/v1/admin/mappings/${mapping.id}`, { method: 'DELETE' });
    expect(noVersion.status).toBe(428);

    const change = await world.app.t.deps.database.prisma.auditEvent.findFirst({
      where: { type: 'admin.mapping.change' },
      orderBy: { id: 'desc' },
    });
    expect(change).toMatchObject({
      subject: 'demo:bob',
      roleArn: role,
      details: {
        via: 'api',
        fields: ['group', 'match', 'requireMfa'],
        before: { group: 'carol-*' },
        after: { group: 'auditors-extra', requireMfa: true },
      },
    });

    const deleted = await bob.api(`/api/v1/admin/mappings/${mapping.id}`, { method: 'DELETE', headers: { 'if-match': '"2"' } });
    expect(deleted.status).toBe(204);
    expect((await bob.api(`/api/v1/admin/mappings/${mapping.id}`)).status).toBe(404);
    expect(await world.app.t.deps.database.prisma.auditEvent.count({ where: { type: 'admin.mapping.remove', subject: 'demo:bob' } })).toBe(
      1,
    );
  });

  it('when a mapping is created for alice’s group, then her next roles request shows the role, and not after it is deleted', async () => {
    const alice = await world.signIn('alice');
    expect(await rolesOf(alice)).not.toContain('Admin');
    const res = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: { group: 'aws-dev', role: 'arn:aws:iam::222222222222:role/Admin' },
    });
    expect(res.status).toBe(201);
    expect(await rolesOf(alice)).toContain('Admin');
    const { id } = (await res.json()) as { id: string };
    await bob.api(`/api/v1/admin/mappings/${id}`, { method: 'DELETE', body: { version: 1 } });
    expect(await rolesOf(alice)).not.toContain('Admin');
  });

  it('when a body is invalid or a change would break the model, then it is 400 or 409 and nothing changes', async () => {
    const bad = await bob.api('/api/v1/admin/roles', { method: 'POST', body: { arn: 'not-an-arn', mode: 'saml' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/arn: expected an IAM role ARN/);
    const orphan = await bob.api('/api/v1/admin/roles', {
      method: 'POST',
      body: { arn: 'arn:aws:iam::999999999999:role/X', mode: 'assume-role' },
    });
    expect(orphan.status).toBe(409);
    expect(((await orphan.json()) as { detail: string }).detail).toMatch(/account 999999999999 is not listed/);
    const accounts = (await (await bob.api('/api/v1/admin/accounts')).json()) as { accounts: { id: string; version: number }[] };
    const sandbox = accounts.accounts.find((a) => a.id === SANDBOX);
    const inUse = await bob.api(`/api/v1/admin/accounts/${SANDBOX}`, {
      method: 'DELETE',
      headers: { 'if-match': `"${String(sandbox?.version)}"` },
    });
    expect(inUse.status).toBe(409);
    const roles = (await (await bob.api('/api/v1/admin/roles')).json()) as { roles: unknown[] };
    expect(roles.roles).toHaveLength(8);
  });

  it('when an admin edits an account, then the new alias is served and the version goes up', async () => {
    const get = await bob.api(`/api/v1/admin/accounts/${SANDBOX}`);
    const account = (await get.json()) as Record<string, unknown>;
    const res = await bob.api(`/api/v1/admin/accounts/${SANDBOX}`, {
      method: 'PUT',
      headers: { 'if-match': get.headers.get('etag') ?? '' },
      body: { ...account, alias: 'sandbox-renamed' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: SANDBOX, alias: 'sandbox-renamed', version: Number(account.version) + 1 });
    const back = await bob.api(`/api/v1/admin/accounts/${SANDBOX}`, {
      method: 'PUT',
      headers: { 'if-match': res.headers.get('etag') ?? '' },
      body: { ...account, alias: 'sandbox' },
    });
    expect(back.status).toBe(200);
  });
});

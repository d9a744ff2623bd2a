import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import { PROD, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { auditRows } from '../support/login-app.js';

const demoFile = readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8');
const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;
const BREAK_GLASS = `arn:aws:iam::${PROD}:role/breakglass/BreakGlass`;

/** The demo file with alice's group (aws-dev) eligible for prod Admin and BreakGlass, bob's (aws-admin) approving. */
const eligible = (...roles: string[]) =>
  `${demoFile.trimEnd()}\n${roles
    .map(
      (role) =>
        `  - group: aws-dev\n    role: ${role}\n    access: eligible\n    approval:\n      approverGroups: [aws-admin]\n      maxGrant: 4h\n`,
    )
    .join('')}`;

interface View {
  id: string;
  state: string;
  batchId?: string;
  role: { name: string };
  endReason?: string;
  endedBy?: string;
}

describe('just-in-time grants: several roles at once, removed mappings, metrics', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;

  const apply = (yaml: string) => bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml, source: 'access.yaml' } });
  const ask = (body: Record<string, unknown>) =>
    alice.api('/api/v1/access-requests', {
      method: 'POST',
      body: { duration: '1h', reason: 'rotate the prod database password', ...body },
    });
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`${world.app.url}/metrics`)).text();
    return Number(line.exec(text)?.[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
    expect((await apply(eligible(ADMIN, BREAK_GLASS))).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when one pair of a multi-role request is refused, then nothing is created and the error names the pair', async () => {
    const refused = await ask({
      roles: [
        { alias: 'prod', role: 'Admin' },
        { alias: 'sandbox', role: 'Developer' },
      ],
    });
    expect(refused.status).toBe(409);
    const problem = (await refused.json()) as { detail: string; reason: string; pair: unknown };
    expect(problem.detail).toMatch(/^roles\[1\] \(sandbox\/Developer\): You already have standing access/);
    expect(problem).toMatchObject({ reason: 'already_entitled', pair: { index: 1, account: 'sandbox', role: 'Developer' } });
    const twice = await ask({
      roles: [
        { alias: 'prod', role: 'Admin' },
        { accountId: PROD, role: 'Admin' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { detail: string }).detail).toMatch(/^roles\[1\] \(222222222222\/Admin\): the same role as roles\[0\]/);
    const both = await ask({ alias: 'prod', role: 'Admin', roles: [{ alias: 'prod', role: 'Admin' }] });
    expect(both.status).toBe(400);
    expect(((await (await alice.api('/api/v1/access-requests')).json()) as { requests: View[] }).requests).toEqual([]);
  });

  it('when alice asks for two roles at once, then two requests share a batch id, each decided and audited on its own', async () => {
    const created = await ask({
      roles: [
        { alias: 'prod', role: 'Admin' },
        { alias: 'prod', role: 'BreakGlass' },
      ],
    });
    expect(created.status).toBe(201);
    const batch = (await created.json()) as { batchId: string; requests: View[] };
    expect(batch.requests.map((r) => [r.role.name, r.state, r.batchId])).toEqual([
      ['Admin', 'pending', batch.batchId],
      ['BreakGlass', 'pending', batch.batchId],
    ]);
    const creates = (await auditRows(world.app.t, 'access_request.create')).map(
      (r) => r.details as { accessRequestId: string; batchId?: string },
    );
    expect(creates.filter((d) => d.batchId === batch.batchId).map((d) => d.accessRequestId)).toEqual(batch.requests.map((r) => r.id));
    const [admin, breakGlass] = batch.requests as [View, View];
    expect((await bob.api(`/api/v1/access-requests/${admin.id}/approve`, { method: 'POST', body: {} })).status).toBe(200);
    expect(
      (await bob.api(`/api/v1/access-requests/${breakGlass.id}/deny`, { method: 'POST', body: { comment: 'not needed' } })).status,
    ).toBe(200);
    expect(await metric(/^rolegate_access_request_decision_seconds_count\{decision="approved"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^rolegate_access_request_decision_seconds_count\{decision="denied"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^rolegate_access_requests\{state="active"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^rolegate_access_grants_active (\d+)$/m)).toBe(1);
  });

  it('when `apply` removes the eligible mapping of an active grant, then the grant ends at once, audited as mapping_removed, its credentials purged', async () => {
    const issued = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'prod', role: 'Admin' } });
    expect(issued.status).toBe(200);
    const [grant] = ((await (await alice.api('/api/v1/access-requests')).json()) as { requests: View[] }).requests.filter(
      (r) => r.state === 'active',
    );
    expect(grant).toBeDefined();

    expect((await apply(eligible(BREAK_GLASS))).status).toBe(200);
    const ended = (await (await alice.api(`/api/v1/access-requests/${String(grant?.id)}`)).json()) as View;
    expect(ended).toMatchObject({ state: 'revoked', endReason: 'mapping_removed', endedBy: 'demo:bob' });
    const refused = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'prod', role: 'Admin' } });
    expect(refused.status).toBe(403);
    const forGrant = (type: string) =>
      auditRows(world.app.t, type).then((rows) =>
        rows.filter((r) => (r.details as { accessRequestId?: string }).accessRequestId === grant?.id),
      );
    expect((await forGrant('access_grant.end')).map((r) => [r.subject, (r.details as { end: string }).end])).toEqual([
      ['demo:bob', 'mapping_removed'],
    ]);
    expect((await forGrant('access_grant.purge'))[0]?.details).toMatchObject({ cachedCredentialsDropped: 1 });
    expect(await metric(/^rolegate_access_grants_ended_early_total\{reason="mapping_removed"\} (\d+)$/m)).toBe(1);
    expect(await metric(/^rolegate_access_grants_active (\d+)$/m)).toBe(0);
  });
});

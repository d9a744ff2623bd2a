import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD } from '../support/exchange-world.js';

const demoFile = readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8');
const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;

/** The demo file with alice's group made eligible for prod Admin. */
const withEligible = (approval: string) => `${demoFile.trimEnd()}
  - group: aws-dev
    role: ${ADMIN}
    access: eligible
${approval}
`;

const FOUR_EYES = `    approval:
      approverGroups: [aws-admin, rolegate-admins]
      approvals: 2
      maxGrant: 240m
      ticketPattern: 'OPS-[0-9]+'
      autoApproveGroups: [oncall]`;

interface Problem {
  code: string;
  problems?: { line?: number; path: string; message: string }[];
  detail: string;
}

describe('just-in-time access in the access model', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;

  const apply = (yaml: string, dryRun = false) =>
    bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml, dryRun, source: 'access.yaml' } });

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when an eligible mapping is applied, then it is exported in canonical form, a second apply changes nothing, and alice may request it', async () => {
    const first = await apply(withEligible(FOUR_EYES));
    expect(first.status).toBe(200);
    const applied = (await first.json()) as { changes: { kind: string; action: string; key: string; after?: Record<string, unknown> }[] };
    const added = applied.changes.find((c) => c.kind === 'mapping' && c.action === 'add');
    expect(added?.after).toMatchObject({
      access: 'eligible',
      approval: {
        approverGroups: ['aws-admin', 'rolegate-admins'],
        approvals: 2,
        maxGrant: '4h',
        reasonRequired: true,
        ticketPattern: 'OPS-[0-9]+',
        autoApproveGroups: ['oncall'],
      },
    });

    const exported = await (await bob.api('/api/v1/admin/access/export')).text();
    expect(exported).toContain('access: eligible');
    expect(exported).toContain('maxGrant: 4h');
    expect(exported).toContain('access: standing');
    // What export wrote applies as no change at all.
    const again = (await (await apply(exported, true)).json()) as { summary: Record<string, number> };
    expect(again.summary).toEqual({ add: 0, change: 0, remove: 0 });

    const roles = (await (await alice.api('/api/v1/roles')).json()) as {
      accounts: { alias: string; roles: { name: string }[]; eligible: { name: string; approvalsNeeded: number }[] }[];
    };
    const prod = roles.accounts.find((a) => a.alias === 'prod');
    expect(prod?.eligible).toEqual([expect.objectContaining({ name: 'Admin', approvalsNeeded: 2, maxGrantSeconds: 14_400 })]);
    expect(prod?.roles.map((r) => r.name)).not.toContain('Admin');
    const refused = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'prod', role: 'Admin' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { reason: string }).reason).toBe('grant_required');

    // Made standing again, it entitles at once.
    const standing = await apply(demoFile.trimEnd() + `\n  - group: aws-dev\n    role: ${ADMIN}\n`);
    expect(standing.status).toBe(200);
    const roleNames = (await (await alice.api('/api/v1/roles')).json()) as { accounts: { alias: string; roles: { name: string }[] }[] };
    expect(roleNames.accounts.find((a) => a.alias === 'prod')?.roles.map((r) => r.name)).toContain('Admin');
  });

  it.each([
    ['no approval policy', '', /mappings\[\d+\]\.approval: an eligible mapping needs an approval policy/],
    [
      'an invalid ticket pattern',
      `    approval:\n      approverGroups: [aws-admin]\n      maxGrant: 1h\n      ticketPattern: 'OPS-(['`,
      /ticketPattern: not a valid regular expression/,
    ],
    [
      'a ticket pattern too long to be safe',
      `    approval:\n      approverGroups: [aws-admin]\n      maxGrant: 1h\n      ticketPattern: '${'a'.repeat(201)}'`,
      /at most 200 characters/,
    ],
    [
      'a grant shorter than an AWS session',
      `    approval:\n      approverGroups: [aws-admin]\n      maxGrant: 10m`,
      /maxGrant: expected a duration from 15m to 7d/,
    ],
    [
      'a grant length that is not one',
      `    approval:\n      approverGroups: [aws-admin]\n      maxGrant: soon`,
      /maxGrant: expected a duration/,
    ],
    [
      'no approver group',
      `    approval:\n      approverGroups: []\n      maxGrant: 1h`,
      /approverGroups: name at least one approver group/,
    ],
    [
      'three approvals',
      `    approval:\n      approverGroups: [aws-admin]\n      approvals: 3\n      maxGrant: 1h`,
      /approvals: expected 1, or 2/,
    ],
    [
      'break-glass as well',
      `    breakGlass: true\n    approval:\n      approverGroups: [aws-admin]\n      maxGrant: 1h`,
      /either break-glass .* or eligible/,
    ],
  ])(
    'when the file gives an eligible mapping %s, then it is refused with 400 naming the place, and nothing changes',
    async (_name, approval, message) => {
      const res = await apply(withEligible(approval));
      expect(res.status).toBe(400);
      const problem = (await res.json()) as Problem;
      const lines = (problem.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('\n');
      expect(lines).toMatch(message);
      expect(problem.problems?.[0]?.line).toBeGreaterThan(60);
    },
  );

  it('when a mapping is written through the admin API, then its approval policy is validated, stored and read back', async () => {
    const created = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: { group: 'aws-readonly', role: ADMIN, access: 'eligible', approval: { approverGroups: ['aws-admin'], maxGrant: '2h' } },
    });
    expect(created.status).toBe(201);
    const mapping = (await created.json()) as Record<string, unknown> & { id: string };
    expect(mapping).toMatchObject({
      access: 'eligible',
      approval: { approverGroups: ['aws-admin'], approvals: 1, maxGrant: '2h', reasonRequired: true, autoApproveGroups: [] },
    });
    expect(await (await bob.api(`/api/v1/admin/mappings/${mapping.id}`)).json()).toEqual(mapping);

    const standingWithPolicy = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: { group: 'aws-x', role: ADMIN, approval: { approverGroups: ['aws-admin'], maxGrant: '2h' } },
    });
    expect(standingWithPolicy.status).toBe(400);
    expect(((await standingWithPolicy.json()) as Problem).detail).toMatch(/only an eligible mapping/);
  });
});

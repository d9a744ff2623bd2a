import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { runCli } from '../support/cli-process.js';
import { startSecondInstance } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';

const demoFile = readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8');

interface ApplyAnswer {
  changes: { kind: string; action: string; key: string; fields?: string[] }[];
  summary: { add: number; change: number; remove: number };
  applied: boolean;
}

/** What a user may do, without the words (descriptions) that the demo file words differently. */
async function entitlementsOf(user: SignedIn) {
  const res = await user.api('/api/v1/roles');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { accounts: { id: string; roles: Record<string, unknown>[]; denied: Record<string, unknown>[] }[] };
  return body.accounts.map((a) => ({
    ...a,
    roles: a.roles.map(({ description: _d, ...rest }) => rest),
    denied: a.denied.map(({ description: _d, ...rest }) => rest),
  }));
}

describe('access as code', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;
  let carol: SignedIn;

  const apply = (yaml: string, dryRun = false) =>
    bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml, dryRun, source: 'access.yaml' } });
  const exportYaml = async () => {
    const res = await bob.api('/api/v1/admin/access/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    return res.text();
  };

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice, carol] = await Promise.all([world.signIn('bob'), world.signIn('alice'), world.signIn('carol')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when the demo file is applied over an empty model, then alice, bob and carol get exactly the exchange world’s entitlements', async () => {
    const before = await Promise.all([alice, bob, carol].map(entitlementsOf));
    const empty = await apply('version: 1\n');
    expect(empty.status).toBe(200);
    const emptied = (await empty.json()) as ApplyAnswer;
    expect(emptied.summary).toEqual({ add: 0, change: 0, remove: 2 + 8 + 8 });
    expect((await entitlementsOf(alice)).flatMap((a) => a.roles)).toEqual([]);

    const res = await apply(demoFile);
    expect(res.status).toBe(200);
    const applied = (await res.json()) as ApplyAnswer;
    expect(applied).toMatchObject({ applied: true, summary: { add: 18, change: 0, remove: 0 } });
    expect(await Promise.all([alice, bob, carol].map(entitlementsOf))).toEqual(before);
    expect(before[0]?.find((a) => a.id === SANDBOX)?.roles.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Developer', 'ReadOnly', 'WebIdentityDeveloper', 'BrokerDeveloper']),
    );
    expect(before[1]?.find((a) => a.id === PROD)?.roles.map((r) => r.name)).toEqual(expect.arrayContaining(['Admin', 'BreakGlass']));
  });

  it('when the same file is applied twice, then the second apply finds no changes and writes no audit events', async () => {
    await apply(demoFile);
    const audited = await world.app.t.deps.database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' } } });
    const res = await apply(demoFile);
    expect(await res.json()).toMatchObject({ applied: false, changes: [], summary: { add: 0, change: 0, remove: 0 } });
    expect(await world.app.t.deps.database.prisma.auditEvent.count({ where: { type: { startsWith: 'admin.' } } })).toBe(audited);
  });

  it('when a change is planned or dry-run, then the diff is shown and nothing changes; applied, it is audited with before and after', async () => {
    await apply(demoFile);
    const edited = demoFile.replace(
      'maxSessionSeconds: 14400\n    description: Look, do not touch (group aws-readonly).',
      'maxSessionSeconds: 7200\n    description: Look, do not touch (group aws-readonly).',
    );
    expect(edited).not.toBe(demoFile);
    const plan = await bob.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: edited } });
    const planned = (await plan.json()) as ApplyAnswer;
    expect(planned.changes).toEqual([
      expect.objectContaining({
        kind: 'role',
        action: 'change',
        key: `arn:aws:iam::${SANDBOX}:role/ReadOnly`,
        fields: ['maxSessionSeconds'],
      }),
    ]);
    expect(((await (await apply(edited, true)).json()) as ApplyAnswer).applied).toBe(false);
    expect(await exportYaml()).toContain('maxSessionSeconds: 14400\n    description: Look, do not touch (group aws-readonly).');

    expect(((await (await apply(edited)).json()) as ApplyAnswer).applied).toBe(true);
    const event = await world.app.t.deps.database.prisma.auditEvent.findFirst({
      where: { type: 'admin.role.change' },
      orderBy: { id: 'desc' },
    });
    expect(event).toMatchObject({
      subject: 'demo:bob',
      roleArn: `arn:aws:iam::${SANDBOX}:role/ReadOnly`,
      accountId: SANDBOX,
      details: { via: 'apply', fields: ['maxSessionSeconds'], before: { maxSessionSeconds: 14400 }, after: { maxSessionSeconds: 7200 } },
    });
    await apply(demoFile);
  });

  it('when the file has problems, then each is reported with its line and column and nothing changes', async () => {
    await apply(demoFile);
    const before = await exportYaml();
    const bad = demoFile
      .replace(
        '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Admin',
        '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Nope',
      )
      .replace('alias: prod', 'alias: prod\n    colour: blue');
    const res = await apply(bad);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { detail: string; problems: { line: number; column: number; path: string; message: string }[] };
    const lines = bad.split('\n');
    const nopeLine = lines.findIndex((l) => l.includes('role/Nope')) + 1;
    expect(problem.problems).toEqual([
      { line: lines.findIndex((l) => l.includes('colour')) + 1, column: 13, path: 'accounts[1].colour', message: 'unknown key "colour"' },
      { line: nopeLine, column: 11, path: 'mappings[6].role', message: 'role is not listed under roles' },
    ]);
    expect(problem.detail).toContain(`access.yaml:${String(nopeLine)}:11 mappings[6].role: role is not listed under roles`);
    expect(await exportYaml()).toBe(before);
  });

  it('when applying fails half-way in the database, then the whole apply is rolled back', async () => {
    await apply(demoFile);
    const before = await exportYaml();
    // Valid as a document, but swapping aliases collides with the unique alias in the first UPDATE;
    // the removed mapping (written before that) must come back.
    const swapped = demoFile
      .replace('alias: sandbox', 'alias: __a')
      .replace('alias: prod', 'alias: sandbox')
      .replace('alias: __a', 'alias: prod')
      .replace('  - group: aws-dev\n    role: arn:aws:iam::111111111111:role/BrokerDeveloper\n', '');
    const res = await apply(swapped);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('conflict');
    expect(await exportYaml()).toBe(before);
  });

  it('when an apply commits on one instance, then another instance serves the new model without waiting for its timer', async () => {
    await apply(demoFile);
    const second = await startSecondInstance(world.app.t);
    try {
      const rolesOnSecond = async () => {
        const res = await alice.browser.request(`${second.url}/api/v1/roles`);
        const body = (await res.json()) as { accounts: { roles: { name: string }[] }[] };
        return body.accounts.flatMap((a) => a.roles.map((r) => r.name));
      };
      expect(await rolesOnSecond()).toContain('BrokerReadOnly');
      const withoutReadOnly = demoFile.replace(/ {2}- group: aws-readonly\n {4}role: [^\n]+\n/g, '');
      expect(((await (await apply(withoutReadOnly)).json()) as ApplyAnswer).summary.remove).toBe(3);
      await waitFor(
        async () => ((await rolesOnSecond()).includes('BrokerReadOnly') ? undefined : true),
        'the second instance to reload',
        5000,
      );
      expect(await rolesOnSecond()).not.toContain('ReadOnly');
    } finally {
      await second.close();
      await apply(demoFile);
    }
  });

  it('when the file manages identity providers, then an added IdP is offered at sign-in and a removed one no longer is', async () => {
    const exported = await bob.api('/api/v1/admin/access/export?identityProviders=true');
    expect(exported.status).toBe(200);
    const withIdps = await exported.text();
    expect(withIdps).toMatch(/identityProviders:[\s\S]*slug: demo/);
    const corp = [
      '  - slug: corp',
      '    displayName: Corp Okta',
      '    kind: oidc',
      '    groupsFrom: groups',
      '    settings:',
      '      issuer: https://corp.okta.example',
      '      clientId: rolegate',
      '',
    ].join('\n');
    const added = withIdps.replace(/identityProviders:\n/, `identityProviders:\n${corp}`);
    const chooser = async () => (await bob.browser.request(`${world.app.url}/login`, { headers: { accept: 'text/html' } })).text();

    const res = await apply(added);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as ApplyAnswer).changes).toEqual([
      expect.objectContaining({ kind: 'identityProvider', action: 'add', key: 'corp' }),
    ]);
    expect(await chooser()).toContain('Corp Okta');

    const removed = await apply(withIdps);
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as ApplyAnswer).changes).toEqual([
      expect.objectContaining({ kind: 'identityProvider', action: 'remove', key: 'corp' }),
    ]);
    expect(await chooser()).not.toContain('Corp Okta');
    // The demo IdP the file listed is still there, and still signs people in.
    expect((await world.signIn('carol')).csrfToken).toBeTruthy();
  });

  it('when the CLI applies and exports, then it prints the diff, applies, and writes the file', async () => {
    await apply(demoFile);
    const { home } = await signedInCliHome(world, bob);
    const file = path.join(home.home, 'access.yaml');
    writeFileSync(
      file,
      demoFile.replace('description: Day-to-day work in the sandbox (group aws-dev).', 'description: Sandbox developers.'),
    );

    const dry = await runCli(['apply', '-f', file, '--dry-run'], home);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      `~ role arn:aws:iam::${SANDBOX}:role/Developer (description)\n\nEffective access: no change.\n\nPlan (dry run, nothing changed): 0 to add, 1 to change, 0 to remove.\n`,
    );
    const done = await runCli(['apply', '-f', file], home);
    expect(done.stdout).toContain('Applied: 0 to add, 1 to change, 0 to remove.');
    const again = await runCli(['apply', '-f', file], home);
    expect(again.stdout).toBe('No changes: the broker already matches the file.\n');

    const out = path.join(home.home, 'exported.yaml');
    const exported = await runCli(['export', '-o', out], home);
    expect(exported.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('description: Sandbox developers.');

    writeFileSync(file, 'accounts:\n  - id: 111111111111\n    alias: x\n');
    const bad = await runCli(['apply', '-f', file], home);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain('access.yaml:2:9 accounts[0].id: expected a 12-digit AWS account id as a string (quote it in YAML)');

    const carolHome = await signedInCliHome(world, carol);
    const denied = await runCli(['export'], carolHome.home);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toMatch(/rolegate-admins/);
    await apply(demoFile);
  });
});

describe('ROLEGATE_ACCESS_FILE', () => {
  it('when set, then the file is applied at start-up; a file with problems stops the start with its positions', async () => {
    const { createTestApp } = await import('../support/app.js');
    const demoPath = new URL('../../config/demo-access.yaml', import.meta.url).pathname;
    const t = await createTestApp({ ROLEGATE_AUTO_MIGRATE: 'true', ROLEGATE_ACCESS_FILE: demoPath });
    try {
      expect(await t.deps.database.prisma.role.count()).toBe(8);
      expect(await t.deps.database.prisma.groupMapping.count()).toBe(8);
      expect((await t.deps.credentials.accessModel.current()).mappings).toHaveLength(8);
    } finally {
      await t.close();
    }
    const bad = path.join((await import('node:os')).tmpdir(), `bad-access-${String(process.pid)}.yaml`);
    writeFileSync(bad, 'accounts:\n  - id: "1"\n    alias: x\n');
    await expect(createTestApp({ ROLEGATE_AUTO_MIGRATE: 'true', ROLEGATE_ACCESS_FILE: bad })).rejects.toMatchObject({
      problems: [
        `admin.accessFile (ROLEGATE_ACCESS_FILE): ${bad}:2:9 accounts[0].id: expected a 12-digit AWS account id (quote it in YAML)`,
      ],
    });
  });
});

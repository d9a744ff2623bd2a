import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessApplyResponse } from '../../src/contracts/admin.js';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { runCli } from '../support/cli-process.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';

const demoFile = readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8');

/** A realistic change: aws-readonly loses sandbox/ReadOnly, aws-admin's prod/Admin is limited to 10/8, team-sre becomes eligible for it. */
const changed = demoFile
  .replace('  - group: aws-readonly\n    role: arn:aws:iam::111111111111:role/ReadOnly\n', '')
  .replace(
    '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n',
    '  - group: aws-admin\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n    allowedCidrs: [10.0.0.0/8]\n' +
      '  - group: team-sre\n    role: arn:aws:iam::222222222222:role/Admin\n    requireMfa: true\n    access: eligible\n    approval:\n      approverGroups: [sre-leads]\n      maxGrant: 4h\n',
  );

/** The plan API (POST /api/v1/admin/access/plan) and `rolegate apply --dry-run`: the effective-access diff with the named users it reaches. */
describe('the effective-access diff of a plan', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;
  let carol: SignedIn;

  beforeAll(async () => {
    // alice is an auditor here (aws-readonly), bob an administrator, carol neither; all three have signed in.
    world = await startAdminWorld();
    [bob, alice, carol] = await Promise.all([world.signIn('bob'), world.signIn('alice'), world.signIn('carol')]);
    const applied = await bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml: demoFile } });
    expect(applied.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when an administrator plans a change, then each grant gained, lost or changed lists the users seen signing in that it reaches', async () => {
    const res = await bob.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: changed } });
    expect(res.status).toBe(200);
    const plan = (await res.json()) as AccessApplyResponse;
    expect(plan.applied).toBe(false);
    const effective = plan.effective ?? [];
    expect(
      effective.map((c) => [
        c.action,
        c.action === 'change' ? c.after.target : c.grant.target,
        c.action === 'change' ? c.after.group : c.grant.group,
      ]),
    ).toEqual([
      ['change', 'prod/Admin', 'aws-admin'],
      ['grant', 'prod/Admin', 'team-sre'],
      ['revoke', 'sandbox/ReadOnly', 'aws-readonly'],
    ]);
    const [admins, sre, readonly] = effective;
    expect(admins).toMatchObject({ conditions: [{ condition: 'cidrs', before: [], after: ['10.0.0.0/8'], direction: 'tightened' }] });
    expect(admins?.users).toEqual([
      { user: 'demo:bob', username: 'bob', lastSignIn: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string },
    ]);
    expect(sre?.users).toEqual([]);
    expect(readonly?.users?.map((u) => u.user)).toEqual(['demo:alice']);
    const lastSignIn = Date.parse(readonly?.users?.[0]?.lastSignIn ?? '');
    expect(Date.now() - lastSignIn).toBeLessThan(120_000);
    // carol (no groups) is reached by nothing.
    expect(effective.flatMap((c) => c.users ?? []).map((u) => u.user)).not.toContain('demo:carol');
  });

  it('when an auditor plans, then the same answer (a plan changes nothing); someone neither admin nor auditor is refused', async () => {
    const asAuditor = await alice.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: changed } });
    expect(asAuditor.status).toBe(200);
    expect(((await asAuditor.json()) as AccessApplyResponse).effective?.[2]?.users?.map((u) => u.user)).toEqual(['demo:alice']);
    const applyAsAuditor = await alice.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml: changed } });
    expect(applyAsAuditor.status).toBe(403);
    expect((await carol.api('/api/v1/admin/access/plan', { method: 'POST', body: { yaml: changed } })).status).toBe(403);
  });

  it('when rolegate apply --dry-run runs, then the object diff is followed by the effective access with the named users; --format markdown for a pull request', async () => {
    const { home } = await signedInCliHome(world, bob);
    const file = path.join(home.home, 'access.yaml');
    writeFileSync(file, changed);
    const dry = await runCli(['apply', '-f', file, '--dry-run'], home);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+ mapping * exact team-sre → arn:aws:iam::222222222222:role/Admin\n');
    expect(dry.stdout).toMatch(
      /\nEffective access:\n {2}~ group aws-admin → prod\/Admin: tightened cidrs: any → 10\.0\.0\.0\/8\n {6}bob \(demo:bob, last sign-in \d{4}-\d\d-\d\d\)\n {2}\+ group team-sre → prod\/Admin \(eligible, approval by sre-leads, ≤ 4h, MFA, sessions ≤ 1h\)\n {6}\(nobody seen signing in is in this group\)\n {2}− group aws-readonly → sandbox\/ReadOnly\n {6}alice \(demo:alice, last sign-in \d{4}-\d\d-\d\d\)\n\nPlan \(dry run, nothing changed\): 1 to add, 1 to change, 1 to remove\.\n$/,
    );
    const markdown = await runCli(['apply', '-f', file, '--dry-run', '--format', 'markdown'], home);
    expect(markdown.stdout).toMatch(/\| ➖ loses \| `group aws-readonly` \| `sandbox\/ReadOnly` \| {2}\| alice \(\d{4}-\d\d-\d\d\) \|/);
  });
});

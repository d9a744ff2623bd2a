import { describe, expect, it } from 'vitest';
import { largeCompany, groupName } from '../../../bench/fixtures/large-company.mjs';
import { indexAccessModel, type AccessIndex } from '../../../src/domain/access-index.js';
import type { ApprovalPolicy, AwsAccount, AwsRole, GroupMapping } from '../../../src/domain/access-model.js';
import type { ActiveGrant } from '../../../src/domain/access-requests.js';
import { parseRoleArn } from '../../../src/domain/arn.js';
import type { Principal } from '../../../src/domain/principal.js';
import type { AccessModelCache } from '../../../src/features/credentials/access-model-cache.js';
import type { GrantLookup } from '../../../src/features/credentials/issue-credentials.js';
import { listRoles } from '../../../src/features/credentials/list-roles.js';
import { RolesAnswers } from '../../../src/features/credentials/roles-answers.js';
import { account, mapping, principal, role } from '../../fixtures/access-model.js';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const SIGNED_IN = Date.UTC(2026, 10, 23, 9, 50, 0);
const approval: ApprovalPolicy = {
  approverGroups: ['aws-admin'],
  approvalsNeeded: 1,
  maxGrantSeconds: 3600,
  reasonRequired: false,
  autoApproveGroups: [],
};

const dev = account();
const developer = role({ name: 'Developer' });
const readOnly = role({ name: 'ReadOnly' });
const admin = role({ name: 'Admin' });
const deploy = role({ name: 'Deploy' });
const plain = mapping(developer.id, 'aws-dev');
const fromOffice = mapping(readOnly.id, 'aws-office', { allowedCidrs: ['10.0.0.0/8'] });
const freshMfa = mapping(admin.id, 'aws-admin', { requireMfa: true, mfaMaxAgeSeconds: 900 });
const eligible = mapping(deploy.id, 'aws-deploy', { approval });

/** Everything a test moves: the loaded model, the clock, the grants. */
class World {
  index: AccessIndex;
  now = NOW;
  readonly held = new Map<string, ActiveGrant[]>();
  readonly grants: GrantLookup = {
    grantFor: (principalId, roleId) => this.held.get(principalId)?.find((g) => g.roleId === roleId && g.endsAt > this.now),
    fingerprintOf: (principalId) => JSON.stringify(this.held.get(principalId) ?? []),
  };
  readonly deps;

  constructor(mappings: GroupMapping[], accounts: AwsAccount[] = [dev], roles: AwsRole[] = [developer, readOnly, admin, deploy]) {
    this.index = indexAccessModel({ accounts, roles, mappings });
    const accessModel = { index: () => Promise.resolve(this.index) } as unknown as AccessModelCache;
    this.deps = { accessModel, clock: { now: () => this.now }, grants: this.grants as GrantLookup | undefined };
  }

  /** The answer, checked against the decision made afresh (listRoles) for the same facts. */
  async ask(answers: RolesAnswers, who: Principal, ip: string | undefined): Promise<{ reused: boolean; body: unknown }> {
    const { json, reused } = await answers.answer(who, ip);
    const body: unknown = JSON.parse(json.toString('utf8'));
    expect(body).toEqual(await listRoles(this.deps, who, ip));
    return { reused, body };
  }
}

const person = (groups: string[], more: Partial<Principal> & { mfa?: boolean } = {}) =>
  principal({ groups, authn: { methods: ['pwd', 'otp'], mfa: true, authenticatedAt: SIGNED_IN }, ...more });

describe('RolesAnswers: GET /api/v1/roles answers reused while their facts hold', () => {
  it('when the same person asks twice, then the second answer is the first one reused, byte for byte', async () => {
    const world = new World([plain]);
    const answers = new RolesAnswers(world.deps);
    const alice = person(['aws-dev']);
    const first = await answers.answer(alice, '10.1.2.3');
    const second = await answers.answer(alice, '10.1.2.3');
    expect([first.reused, second.reused]).toEqual([false, true]);
    expect(second.json).toBe(first.json);
    expect(answers.stats).toMatchObject({ entries: 1, hits: 1, misses: 1 });
  });

  it('when another person with the same groups asks from elsewhere and no mapping looks at addresses, then the answer is shared', async () => {
    const world = new World([plain]);
    const answers = new RolesAnswers(world.deps);
    await world.ask(answers, person(['aws-dev']), '10.1.2.3');
    const bob = person(['aws-dev'], { id: 'corp:bob', username: 'bob' });
    expect((await world.ask(answers, bob, '192.0.2.7')).reused).toBe(true);
  });

  it('when the groups differ in order or IdP, or MFA differs, then nothing is reused', async () => {
    const world = new World([plain, mapping(readOnly.id, 'aws-ro')]);
    const answers = new RolesAnswers(world.deps);
    await world.ask(answers, person(['aws-dev', 'aws-ro']), undefined);
    expect((await world.ask(answers, person(['aws-ro', 'aws-dev']), undefined)).reused).toBe(false);
    expect((await world.ask(answers, person(['aws-dev', 'aws-ro'], { idp: 'other' }), undefined)).reused).toBe(false);
    expect((await world.ask(answers, principal({ groups: ['aws-dev', 'aws-ro'] }), undefined)).reused).toBe(false);
  });

  it('when a mapping with an address allow-list applies, then each address gets its own answer', async () => {
    const world = new World([plain, fromOffice]);
    const answers = new RolesAnswers(world.deps);
    const carol = person(['aws-dev', 'aws-office']);
    const office = await world.ask(answers, carol, '10.1.2.3');
    const home = await world.ask(answers, carol, '198.51.100.9');
    expect(home.reused).toBe(false);
    expect(home.body).not.toEqual(office.body);
    expect(JSON.stringify(home.body)).toContain('source_ip_not_allowed');
    expect((await world.ask(answers, carol, '10.1.2.3')).reused).toBe(true);
    expect((await world.ask(answers, carol, undefined)).reused).toBe(false);
  });

  it('when an MFA sign-in goes stale, then the answer reused until then is decided again and shows the role denied', async () => {
    const world = new World([freshMfa]);
    const answers = new RolesAnswers(world.deps);
    const dave = person(['aws-admin']);
    expect(JSON.stringify((await world.ask(answers, dave, undefined)).body)).not.toContain('mfa_stale');
    world.now = SIGNED_IN + 900_000; // the last millisecond it is fresh
    expect((await world.ask(answers, dave, undefined)).reused).toBe(true);
    world.now += 1;
    const stale = await world.ask(answers, dave, undefined);
    expect(stale.reused).toBe(false);
    expect(JSON.stringify(stale.body)).toContain('mfa_stale');
    // Another sign-in of the same groups (a fresh one) is decided for itself.
    const again = person(['aws-admin'], { authn: { methods: ['otp'], mfa: true, authenticatedAt: world.now - 1000 } });
    expect(JSON.stringify((await world.ask(answers, again, undefined)).body)).not.toContain('mfa_stale');
  });

  it('when a grant is approved, starts and ends, then each change is seen at once', async () => {
    const world = new World([plain, eligible]);
    const answers = new RolesAnswers(world.deps);
    const erin = person(['aws-dev', 'aws-deploy']);
    const kindOf = async () => {
      const { body, reused } = await world.ask(answers, erin, undefined);
      const [bucket] = (body as { accounts: { roles: { name: string }[]; eligible: { name: string }[] }[] }).accounts;
      return { reused, deploy: bucket?.roles.some((r) => r.name === 'Deploy') ? 'entitled' : bucket?.eligible.some((r) => r.name === 'Deploy') ? 'eligible' : 'absent' };
    };
    expect(await kindOf()).toEqual({ reused: false, deploy: 'eligible' });
    expect(await kindOf()).toEqual({ reused: true, deploy: 'eligible' });
    const grant = { id: 'g-1', principalId: erin.id, roleId: deploy.id, startsAt: NOW + 60_000, endsAt: NOW + 3_660_000 };
    world.held.set(erin.id, [grant]);
    expect(await kindOf()).toEqual({ reused: false, deploy: 'eligible' }); // approved, starting in a minute
    world.now = grant.startsAt - 1;
    expect(await kindOf()).toEqual({ reused: true, deploy: 'eligible' });
    world.now = grant.startsAt;
    expect(await kindOf()).toEqual({ reused: false, deploy: 'entitled' });
    world.now = grant.endsAt;
    expect(await kindOf()).toEqual({ reused: false, deploy: 'eligible' });
  });

  it('when the grant index cannot fingerprint a user, then answers that looked at grants are never reused (others still are)', async () => {
    const world = new World([plain, eligible]);
    world.deps.grants = { grantFor: (principalId, roleId) => world.grants.grantFor(principalId, roleId) };
    const answers = new RolesAnswers(world.deps);
    await world.ask(answers, person(['aws-deploy']), undefined);
    expect((await world.ask(answers, person(['aws-deploy']), undefined)).reused).toBe(false);
    await world.ask(answers, person(['aws-dev']), undefined);
    expect((await world.ask(answers, person(['aws-dev']), undefined)).reused).toBe(true);
  });

  it('when the model is reloaded, then every answer is decided again from the new version', async () => {
    const world = new World([plain]);
    const answers = new RolesAnswers(world.deps);
    const alice = person(['aws-dev']);
    await world.ask(answers, alice, undefined);
    world.index = indexAccessModel({ accounts: [dev], roles: [developer, readOnly], mappings: [plain, mapping(readOnly.id, 'aws-dev')] });
    const after = await world.ask(answers, alice, undefined);
    expect(after.reused).toBe(false);
    expect(JSON.stringify(after.body)).toContain('ReadOnly');
    expect(answers.stats.entries).toBe(1);
  });

  it('when more answers are held than the bounds allow, then the least recently used go first', async () => {
    const world = new World([plain, mapping(readOnly.id, 'aws-ro'), mapping(admin.id, 'aws-adm')]);
    const answers = new RolesAnswers(world.deps, { maxEntries: 2, maxBytes: 1024 * 1024 });
    const [a, b, c] = [person(['aws-dev']), person(['aws-ro']), person(['aws-adm'])];
    await world.ask(answers, a, undefined);
    await world.ask(answers, b, undefined);
    await world.ask(answers, a, undefined); // a is now the most recently used
    await world.ask(answers, c, undefined);
    expect(answers.stats.entries).toBe(2);
    expect((await world.ask(answers, a, undefined)).reused).toBe(true);
    expect((await world.ask(answers, b, undefined)).reused).toBe(false);
    const tight = new RolesAnswers(world.deps, { maxEntries: 100, maxBytes: 1000 });
    await world.ask(tight, a, undefined);
    await world.ask(tight, b, undefined);
    expect(tight.stats.bytes).toBeLessThanOrEqual(1000);
  });

  it('when many people ask from several addresses while the clock runs over a large company, then every answer is the fresh decision', async () => {
    const { document } = largeCompany({ accounts: 200, mappings: 500, aliceRoles: 50 });
    const accounts: AwsAccount[] = document.accounts.map((a) => ({ id: a.id, alias: a.alias, partition: a.partition, region: a.region }));
    const roles: AwsRole[] = document.roles.map((r, i) => {
      const arn = parseRoleArn(r.arn);
      if (!arn.ok) throw new Error(arn.error);
      const { providerArn } = r;
      return {
        id: `r-${String(i)}`,
        accountId: arn.value.accountId,
        name: arn.value.name,
        arn: r.arn,
        exchangeMode: r.mode,
        ...(providerArn ? { providerArn } : {}),
        maxSessionSeconds: r.maxSessionSeconds,
        description: r.description,
      };
    });
    const roleId = new Map(roles.map((r) => [r.arn, r.id]));
    const mappings: GroupMapping[] = document.mappings.map((m, i) => ({
      id: `m-${String(i)}`,
      ...(m.idp ? { idp: m.idp } : {}),
      group: m.group,
      match: m.match,
      roleId: roleId.get(m.role) ?? 'missing',
      requireMfa: m.requireMfa,
      // Every fifth MFA mapping has a freshness limit; every seventh mapping is eligible (just in time).
      ...(m.requireMfa && i % 5 === 0 ? { mfaMaxAgeSeconds: 300 + (i % 3) * 300 } : {}),
      ...(i % 7 === 0 ? { approval } : {}),
      allowedCidrs: m.allowedCidrs,
      breakGlass: m.breakGlass,
    }));
    const world = new World(mappings, accounts, roles);
    const answers = new RolesAnswers(world.deps);
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const people = Array.from({ length: 12 }, (_, p) =>
      person(
        Array.from({ length: 3 + (p % 5) * 6 }, (_, g) => groupName((p * 37 + g * 11) % 1000)),
        { id: `corp:p${String(p)}`, idp: p % 3 === 0 ? 'demo' : 'corp', authn: { methods: ['otp'], mfa: p % 4 !== 1, authenticatedAt: NOW - p * 60_000 } },
      ),
    );
    const addresses = ['10.20.30.40', '198.51.100.7', '2001:db8::5', undefined];
    let reused = 0;
    for (let step = 0; step < 400; step++) {
      const who = people[Math.floor(random() * people.length)] as Principal;
      if (random() < 0.05) {
        const rid = mappings[Math.floor(random() * mappings.length)]?.roleId ?? '';
        world.held.set(who.id, [{ id: `g-${String(step)}`, principalId: who.id, roleId: rid, startsAt: world.now, endsAt: world.now + 120_000 }]);
      }
      world.now += Math.floor(random() * 20_000);
      if ((await world.ask(answers, who, addresses[Math.floor(random() * addresses.length)])).reused) reused++;
    }
    expect(reused).toBeGreaterThan(50);
  });
});

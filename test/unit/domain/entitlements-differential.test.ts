import { setImmediate as yieldNow } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { largeCompany, groupName } from '../../../bench/fixtures/large-company.mjs';
import { indexAccessModel, indexAccessModelInSteps, literalPrefix } from '../../../src/domain/access-index.js';
import type { AwsAccount, AwsRole, GroupMapping } from '../../../src/domain/access-model.js';
import type { AccessDocument } from '../../../src/domain/access-document.js';
import { parseRoleArn } from '../../../src/domain/arn.js';
import { entitlementsIn, type Asker } from '../../../src/domain/entitlements.js';
import { checkRoleRequest, checkRoleRequestIn } from '../../../src/domain/role-request.js';
import type { Principal } from '../../../src/domain/principal.js';
import { referenceEntitlementsFor } from '../../support/reference-entitlements.js';

/** The generated company as the store would return it, plus the odd cases a database can hold. */
function modelOf(document: AccessDocument) {
  const accounts: AwsAccount[] = document.accounts.map((a) => ({ id: a.id, alias: a.alias, partition: a.partition, region: a.region }));
  const roles: AwsRole[] = document.roles.map((r, i) => {
    const arn = parseRoleArn(r.arn);
    if (!arn.ok) throw new Error(arn.error);
    return {
      id: `r-${String(i)}`,
      accountId: arn.value.accountId,
      name: arn.value.name,
      arn: r.arn,
      exchangeMode: r.mode,
      ...(r.providerArn ? { providerArn: r.providerArn } : {}),
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
    ...(m.maxSessionSeconds === undefined ? {} : { maxSessionSeconds: m.maxSessionSeconds }),
    allowedCidrs: m.allowedCidrs,
    breakGlass: m.breakGlass,
  }));
  const [first, second] = roles;
  if (!first || !second) throw new Error('no roles');
  // A role whose provider is in another account (misconfigured), one in no listed account, a role named in two cases.
  roles[0] = { ...first, providerArn: 'arn:aws:iam::999999999999:saml-provider/rolegate' };
  roles.push({ ...second, id: 'r-orphan', accountId: '999999999999', arn: 'arn:aws:iam::999999999999:role/Orphan', name: 'Orphan' });
  roles.push({ ...second, id: 'r-case', name: second.name.toUpperCase(), arn: second.arn.replace(/[^/]+$/, second.name.toUpperCase()) });
  const extra = (group: string, role: string, more: Partial<GroupMapping> = {}): GroupMapping => ({
    id: `m-x${String(mappings.length)}`,
    group,
    match: 'exact',
    roleId: role,
    requireMfa: false,
    allowedCidrs: [],
    breakGlass: false,
    ...more,
  });
  mappings.push(
    extra('team-0001', 'no-such-role'),
    extra('team-0001', 'r-orphan'),
    extra('team-0002', 'r-0'),
    extra('team-0003', 'r-case'),
    extra('team-0003', 'r-1', { allowedCidrs: ['10.0.0.1/8'] }),
    extra('*', 'r-5', { match: 'glob', requireMfa: true }),
    extra('team-00?3', 'r-6', { match: 'glob', idp: 'other' }),
    extra('t*m-0*4*', 'r-7', { match: 'glob', breakGlass: true }),
    extra('aws-dev', 'r-8', { match: 'glob' }),
    extra('team-*', 'r-9', { match: 'exact' }),
    extra('grp-😀?', 'r-10', { match: 'glob' }),
  );
  return { accounts, roles, mappings };
}

/** mulberry32: the same principals on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const IPS = [
  undefined,
  'not-an-ip',
  '10.1.2.3',
  '172.16.9.9',
  '192.168.1.1',
  '198.51.100.7',
  '203.0.113.5',
  '2001:db8::5',
  '::ffff:10.0.0.1',
];

function askerFor(next: () => number, groups: string[]): Asker {
  const mfa = next() < 0.6;
  const principal: Principal = {
    id: 'demo:someone',
    idp: next() < 0.8 ? 'demo' : 'other',
    subject: 'someone',
    username: 'someone',
    email: 'someone@example.com',
    groups,
    authn: { methods: mfa ? ['pwd', 'otp'] : ['pwd'], mfa, authenticatedAt: NOW - Math.floor(next() * 7200_000) },
  };
  return {
    principal,
    sourceIp: IPS[Math.floor(next() * IPS.length)],
    now: NOW,
    ...(next() < 0.3 ? { mfaMaxAgeSeconds: 1800 } : {}),
  };
}

function randomGroups(next: () => number): string[] {
  const count = Math.floor(next() * next() * 120);
  const groups: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = next();
    groups.push(
      kind < 0.85
        ? groupName(Math.floor(next() * 1000))
        : kind < 0.9
          ? next() < 0.5
            ? 'aws-dev'
            : 'aws-readonly'
          : kind < 0.95
            ? `unmapped-${String(i)}`
            : (['grp-😀x', 'grp-😀', 'team-*', 'TEAM-0001', ''][Math.floor(next() * 5)] ?? ''),
    );
  }
  return groups;
}

describe('entitlements over the per-version index, against the decision before it (large company)', () => {
  const { document, people } = largeCompany();
  const model = modelOf(document);
  const index = indexAccessModel(model);
  const next = random(15);
  const askers = [
    askerFor(next, people.alice.groups),
    askerFor(next, people.wide.groups),
    askerFor(next, []),
    ...Array.from({ length: 150 }, () => askerFor(next, randomGroups(next))),
  ];

  it('when many users list their roles, then entitlementsIn answers exactly what entitlementsFor over the whole model answered', () => {
    let entitled = 0;
    let denied = 0;
    for (const asker of askers) {
      const expected = referenceEntitlementsFor({ ...model, ...asker });
      expect(entitlementsIn(index, asker)).toEqual(expected);
      for (const bucket of expected.accounts) {
        entitled += bucket.entitled.length;
        denied += bucket.denied.length;
      }
    }
    // The comparison covered both outcomes, many times.
    expect(entitled).toBeGreaterThan(3000);
    expect(denied).toBeGreaterThan(300);
  }, 120_000);

  it('when many users ask for one role, then checkRoleRequestIn answers exactly what checkRoleRequest answered', () => {
    const reasons = new Map<string, number>();
    for (const asker of askers.slice(0, 80)) {
      const full = referenceEntitlementsFor({ ...model, ...asker });
      const mentioned = full.accounts.flatMap((b) => [...b.entitled, ...b.denied]).slice(0, 15);
      const asks = [
        ...mentioned.map((e) => ({ account: e.account.alias, role: e.role.name })),
        ...mentioned.slice(0, 3).map((e) => ({ account: e.account.id, role: e.role.arn, justification: 'an incident right now' })),
        ...mentioned.slice(0, 3).map((e) => ({ account: e.account.id, role: e.role.name.toLowerCase() })),
        { account: model.accounts[1 + Math.floor(next() * 1500)]?.alias ?? '', role: 'Developer' },
        { account: model.accounts[0]?.id ?? '', role: model.roles[0]?.name ?? '' },
        { account: 'no-such-account', role: 'Developer' },
        { account: model.accounts[3]?.alias ?? '', role: 'NoSuchRole' },
        { account: '999999999999', role: 'Orphan' },
      ];
      // A decoded session's groups are frozen (and their set remembered): the same answers, twice over, duplicates included.
      const frozen = {
        ...asker,
        principal: {
          ...asker.principal,
          groups: Object.freeze([...asker.principal.groups, ...asker.principal.groups.slice(0, 2)]) as string[],
        },
      };
      for (const ask of asks) {
        const expected = checkRoleRequest(full, model, ask);
        expect(checkRoleRequestIn(index, asker, ask)).toEqual(expected);
        expect(checkRoleRequestIn(index, frozen, ask)).toEqual(expected);
        expect(checkRoleRequestIn(index, frozen, ask)).toEqual(expected);
        const reason = expected.ok ? 'ok' : expected.reason;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    expect([...reasons.keys()].sort()).toEqual(
      ['condition_failed', 'justification_required', 'not_entitled', 'ok', 'role_misconfigured', 'unknown_account', 'unknown_role'].sort(),
    );
  }, 120_000);

  it('when the index is built in slices, then it is the same index, and the event loop ran between slices', async () => {
    let pauses = 0;
    const sliced = await indexAccessModelInSteps(model, () => (pauses++, yieldNow()), 1000);
    expect(pauses).toBeGreaterThanOrEqual(Math.floor((model.accounts.length + model.roles.length + model.mappings.length) / 1000));
    for (const asker of askers.slice(0, 20)) expect(entitlementsIn(sliced, asker)).toEqual(entitlementsIn(index, asker));
  });

  it('when a user in 100 groups lists roles, then only the mappings their groups can match are read, not the whole model', () => {
    // Work counted, not timed: every mapping is wrapped so a read of any of its fields is seen.
    const touched = new Set<string>();
    const watched = model.mappings.map(
      (mapping) =>
        new Proxy(mapping, {
          get(target, field, receiver) {
            touched.add(target.id);
            return Reflect.get(target, field, receiver) as unknown;
          },
        }),
    );
    const watchedModel = { ...model, mappings: watched };
    const watchedIndex = indexAccessModel(watchedModel);
    const wide = askers[1] as Asker;
    const groups = wide.principal.groups;
    // What the user's groups could match: an exact mapping of one of them, or a glob whose literal prefix one of them starts with.
    const reachable = model.mappings.filter((m) =>
      m.match === 'exact' ? groups.includes(m.group) : groups.some((group) => group.startsWith(literalPrefix(m.group))),
    );

    touched.clear();
    const answer = entitlementsIn(watchedIndex, wide);
    const readByIndex = new Set(touched);
    touched.clear();
    referenceEntitlementsFor({ ...watchedModel, ...wide });
    const readByWalk = touched.size;

    expect(answer).toEqual(entitlementsIn(index, wide));
    expect(answer.accounts.length).toBeGreaterThan(10); // a real answer, not an empty one
    expect([...readByIndex].every((id) => reachable.some((m) => m.id === id))).toBe(true);
    expect(readByIndex.size).toBeLessThanOrEqual(reachable.length);
    expect(readByWalk).toBeGreaterThan(model.mappings.length * 0.9); // the walk before the index read (nearly) every mapping
    expect(readByIndex.size).toBeLessThan(readByWalk / 5);
    expect(reachable.length).toBeLessThan(model.mappings.length / 5);
  });
});

describe('literalPrefix', () => {
  it.each([
    ['team-*', 'team-'],
    ['*-admins', ''],
    ['team-0?1*', 'team-0'],
    ['no-wildcard', 'no-wildcard'],
    ['grp-😀?', 'grp-😀'],
    ['', ''],
  ])('when the pattern is %j, then the literal prefix is %j', (pattern, prefix) => {
    expect(literalPrefix(pattern)).toBe(prefix);
  });
});

import { describe, expect, it } from 'vitest';
import { accessDocumentSchema, type AccessDocument } from '../../../src/domain/access-document.js';
import {
  diffAccess,
  diffAccessInSteps,
  diffEffectiveAccess,
  diffEffectiveAccessInSteps,
  summarizeChanges,
} from '../../../src/domain/access-diff.js';

const doc = (input: unknown): AccessDocument => accessDocumentSchema.parse(input);
const SANDBOX = { id: '111111111111', alias: 'sandbox' };
const DEV = { arn: 'arn:aws:iam::111111111111:role/Dev', mode: 'assume-role' };
const OPS = { arn: 'arn:aws:iam::111111111111:role/Ops', mode: 'assume-role' };

describe('diffAccess', () => {
  it('when both sides are the same, then there are no changes', () => {
    const d = doc({ accounts: [SANDBOX], roles: [DEV], mappings: [{ group: 'dev', role: DEV.arn }] });
    expect(diffAccess(d, structuredClone(d))).toEqual([]);
  });

  it('when defaults are written out or left out, then the documents are equal', () => {
    const short = doc({ accounts: [SANDBOX], roles: [DEV], mappings: [{ group: 'dev', role: DEV.arn }] });
    const long = doc({
      accounts: [{ ...SANDBOX, partition: 'aws', region: 'us-east-1' }],
      roles: [{ ...DEV, maxSessionSeconds: 3600, description: '' }],
      mappings: [{ group: 'dev', role: DEV.arn, match: 'exact', requireMfa: false, allowedCidrs: [], breakGlass: false }],
    });
    expect(diffAccess(short, long)).toEqual([]);
  });

  it('when objects are added, changed and removed, then each is listed once, by kind then key, with changed fields', () => {
    const current = doc({
      accounts: [SANDBOX],
      roles: [DEV, OPS],
      mappings: [
        { group: 'dev', role: DEV.arn },
        { group: 'ops', role: OPS.arn },
      ],
    });
    const desired = doc({
      accounts: [
        { ...SANDBOX, region: 'eu-west-1' },
        { id: '222222222222', alias: 'prod' },
      ],
      roles: [{ ...DEV, description: 'Developers' }],
      mappings: [
        { group: 'dev', role: DEV.arn },
        { group: 'dev-*', match: 'glob', role: DEV.arn, requireMfa: true },
      ],
    });
    const changes = diffAccess(current, desired);
    expect(changes.map((c) => `${c.kind} ${c.action} ${c.key}`)).toEqual(
      [
        'account change 111111111111',
        'account add 222222222222',
        'role change arn:aws:iam::111111111111:role/Dev',
        'role remove arn:aws:iam::111111111111:role/Ops',
        '* exact ops → arn:aws:iam::111111111111:role/Ops',
        '* glob dev-* → arn:aws:iam::111111111111:role/Dev',
      ].map((line) => (line.startsWith('*') ? `mapping ${line.includes('ops') ? 'remove' : 'add'} ${line}` : line)),
    );
    expect(changes[0]).toMatchObject({ fields: ['region'], before: { region: 'us-east-1' }, after: { region: 'eu-west-1' } });
    expect(changes[2]).toMatchObject({ fields: ['description'] });
    expect(summarizeChanges(changes)).toEqual({ add: 2, change: 2, remove: 2 });
  });

  it('when the desired document does not list identity providers, then they are left alone', () => {
    const current = doc({ identityProviders: [{ slug: 'corp', displayName: 'Corp', kind: 'oidc' }] });
    expect(diffAccess(current, doc({}))).toEqual([]);
    expect(diffAccess(current, doc({ identityProviders: [] }))).toMatchObject([
      { kind: 'identityProvider', action: 'remove', key: 'corp' },
    ]);
  });

  it('when a mapping only changes a condition, then it is a change of the same mapping, not a remove and an add', () => {
    const base = { accounts: [SANDBOX], roles: [DEV] };
    const changes = diffAccess(
      doc({ ...base, mappings: [{ group: 'dev', role: DEV.arn }] }),
      doc({ ...base, mappings: [{ group: 'dev', role: DEV.arn, allowedCidrs: ['10.0.0.0/8'] }] }),
    );
    expect(changes).toMatchObject([{ kind: 'mapping', action: 'change', fields: ['allowedCidrs'] }]);
  });
});

describe('accessDocumentSchema', () => {
  it('when references are broken or keys repeated, then every problem is reported with its path', () => {
    const result = accessDocumentSchema.safeParse({
      accounts: [SANDBOX, SANDBOX],
      roles: [{ arn: 'arn:aws:iam::333333333333:role/X', mode: 'saml' }],
      mappings: [{ group: 'dev', role: DEV.arn, idp: 'corp' }],
      identityProviders: [],
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^accounts\.1\.id: duplicate/),
        expect.stringMatching(/^roles\.0\.providerArn: .*names no SAML provider/),
        'roles.0.arn: account 333333333333 is not listed under accounts',
        'mappings.0.role: role is not listed under roles',
        'mappings.0.idp: identity provider corp is not listed',
      ]),
    );
  });
});

describe('diffAccessInSteps and diffEffectiveAccessInSteps', () => {
  it('when a diff runs in slices, then it pauses between them and lists the same changes as in one go', async () => {
    const accounts = Array.from({ length: 40 }, (_, i) => ({ id: String(200000000000 + i), alias: `a${String(i)}` }));
    const roles = accounts.map((a) => ({ arn: `arn:aws:iam::${a.id}:role/Dev`, mode: 'assume-role' }));
    const mappings = roles.map((r, i) => ({ group: `g${String(i)}`, role: r.arn, requireMfa: i % 2 === 0 }));
    const current = doc({ accounts, roles, mappings });
    const desired = doc({
      accounts: accounts.slice(5),
      roles: roles.slice(5).map((r, i) => (i % 3 === 0 ? { ...r, description: 'changed' } : r)),
      mappings: mappings.slice(5).map((m) => ({ ...m, requireMfa: !m.requireMfa })),
    });
    let pauses = 0;
    const pause = () => {
      pauses++;
      return Promise.resolve();
    };
    expect(await diffAccessInSteps(current, desired, pause, 10)).toEqual(diffAccess(current, desired));
    expect(pauses).toBeGreaterThan(10);
    pauses = 0;
    expect(await diffEffectiveAccessInSteps(current, desired, pause, 10)).toEqual(diffEffectiveAccess(current, desired));
    expect(pauses).toBeGreaterThan(5);
  });
});

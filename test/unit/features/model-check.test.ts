import { describe, expect, it } from 'vitest';
import { accessDocumentSchema } from '../../../src/domain/access-document.js';
import { ModelCheck, type ModelEntry, type ModelInput } from '../../../src/features/admin/model-check.js';

type Entry = Record<string, unknown>;
const accountId = (i: number) => String(100000000000 + i);
const arn = (i: number, name: string) => `arn:aws:iam::${accountId(i)}:role/${name}`;

/** A model as the admin store lists it: 30 accounts × 3 roles, 60 mappings (some eligible, some with CIDRs), one IdP. */
function storedModel(): ModelInput {
  const stored = (prefix: string, entries: Entry[]): ModelEntry[] => entries.map((entry, i) => ({ id: `${prefix}-${String(i)}`, entry }));
  const accounts = Array.from({ length: 30 }, (_, i) => ({
    id: accountId(i),
    alias: `team-${String(i)}`,
    partition: 'aws',
    region: 'eu-west-1',
  }));
  const roles = accounts.flatMap((_, i) =>
    ['Admin', 'Dev', 'Read'].map((name) => ({
      arn: arn(i, name),
      mode: 'assume-role',
      maxSessionSeconds: 3600,
      description: `${name} ${String(i)}`,
    })),
  );
  const mappings = Array.from({ length: 60 }, (_, i) => ({
    group: `group-${String(i)}`,
    match: 'exact',
    idp: 'demo',
    role: arn(i % 30, i % 2 === 0 ? 'Dev' : 'Read'),
    requireMfa: false,
    allowedCidrs: i % 3 === 0 ? ['10.0.0.0/8'] : [],
    breakGlass: false,
    access: i % 5 === 0 ? 'eligible' : 'standing',
    ...(i % 5 === 0
      ? { approval: { approverGroups: ['leads'], approvals: 1, maxGrant: '4h', reasonRequired: true, autoApproveGroups: [] } }
      : {}),
  }));
  return {
    identityProviders: stored('idp', [
      { slug: 'demo', displayName: 'Demo', kind: 'oidc', enabled: true, groupsFrom: 'groups', settings: {} },
    ]),
    accounts: stored('account', accounts),
    roles: stored('role', roles),
    mappings: stored('mapping', mappings),
  };
}

const replaced = (list: readonly ModelEntry[], id: string, entry?: Entry): ModelEntry[] =>
  list.flatMap((e) => (e.id === id ? (entry ? [{ entry }] : []) : [e]));

/** What accessDocumentSchema says of the same model: the answer ModelCheck must give. */
function reference(input: ModelInput) {
  const entries = (list: readonly ModelEntry[]) => list.map((e) => e.entry);
  return accessDocumentSchema.safeParse({
    version: 1,
    identityProviders: entries(input.identityProviders),
    accounts: entries(input.accounts),
    roles: entries(input.roles),
    mappings: entries(input.mappings),
  });
}

function expectSameAnswer(check: ModelCheck, input: ModelInput): void {
  const got = check.parse(input);
  const want = reference(input);
  expect(got.success).toBe(want.success);
  if (got.success && want.success) expect(JSON.stringify(got.data)).toBe(JSON.stringify(want.data));
  else expect(got.error?.issues).toEqual(want.error?.issues);
}

describe('ModelCheck', () => {
  it('when edits follow each other on one model, then each answer (data, or every issue and path) is what accessDocumentSchema gives', () => {
    const check = new ModelCheck();
    const model = storedModel();
    const mapping = model.mappings[7]?.entry ?? {};
    const edits: ModelInput[] = [
      model,
      // a field changed: valid
      { ...model, mappings: replaced(model.mappings, 'mapping-7', { ...mapping, maxSessionSeconds: 1800 }) },
      // the role it names is not listed: a reference broken
      { ...model, mappings: replaced(model.mappings, 'mapping-7', { ...mapping, role: arn(99, 'Dev') }) },
      // a value its own schema refuses
      { ...model, mappings: replaced(model.mappings, 'mapping-7', { ...mapping, allowedCidrs: ['not a cidr'] }) },
      // a role removed that mappings still name
      { ...model, roles: replaced(model.roles, 'role-1') },
      // an alias taken twice
      { ...model, accounts: [...model.accounts, { entry: { id: accountId(77), alias: 'team-3', partition: 'aws', region: 'eu-west-1' } }] },
      // an added account and role: valid
      {
        ...model,
        accounts: [...model.accounts, { entry: { id: accountId(77), alias: 'new', partition: 'aws', region: 'eu-west-1' } }],
        roles: [...model.roles, { entry: { arn: arn(77, 'Dev'), mode: 'assume-role' } }],
      },
      model,
    ];
    expect(edits.map((input) => check.parse(input).success)).toEqual([true, true, false, false, false, false, true, true]);
    for (const input of edits) expectSameAnswer(check, input);
  });

  it('when a stored entry changed since the last check under the same id, then it is validated again, not taken as known', () => {
    const check = new ModelCheck();
    const model = storedModel();
    expectSameAnswer(check, model);
    // Account 5 removed and added again under its id, now with a region its schema refuses (and a version of 1 again).
    const account = model.accounts[5]?.entry ?? {};
    const readded = {
      ...model,
      accounts: model.accounts.map((e) => (e.id === 'account-5' ? { id: 'account-5', entry: { ...account, region: 'mars' } } : e)),
    };
    expect(check.parse(readded).success).toBe(false);
    expectSameAnswer(check, readded);
    expectSameAnswer(check, model);
  });
});

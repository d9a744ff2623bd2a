import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { aliasFor, proposeAccountChanges, type OrganizationAccount } from '../../../src/domain/account-discovery.js';
import { accessDocumentSchema } from '../../../src/domain/access-document.js';

// Aligned comments, quotes and blank lines, as people write them: untouched lines must stay byte for byte.
const FILE = `version: 1

accounts:
  - id: '111111111111'        # quote it: an unquoted 12-digit number is not a string
    alias: sandbox
    region: us-east-1         # default us-east-1
  - id: '222222222222'
    alias: prod
  - id: '444444444444'  # org: "legacy-billing" /Suspended
    alias: legacy

roles:
  - arn: arn:aws:iam::222222222222:role/Admin
    providerArn: arn:aws:iam::222222222222:saml-provider/rolegate
  - arn: arn:aws:iam::444444444444:role/Billing
    providerArn: arn:aws:iam::444444444444:saml-provider/rolegate   # the old SAML provider

mappings:
  - group: aws-admin          # production admins
    role: arn:aws:iam::222222222222:role/Admin
  - group: billing
    role: arn:aws:iam::444444444444:role/Billing
`;

const acct = (id: string, name: string, ouPath = '/', state: OrganizationAccount['state'] = 'ACTIVE'): OrganizationAccount => ({
  id,
  name,
  ouPath,
  state,
});
const ORG = [
  acct('111111111111', 'sandbox'),
  acct('222222222222', 'prod', '/Workloads/Prod'),
  acct('444444444444', 'legacy-billing', '/Suspended'),
];

function propose(text: string, org: readonly OrganizationAccount[], options = {}) {
  const result = proposeAccountChanges(text, org, options);
  if (!result.ok) throw new Error(result.problem);
  return result;
}

const valid = (text: string) => accessDocumentSchema.safeParse(parse(text)).success;
/** Lines of `before` missing from `after`, in order (what the diff removes). */
const removedLines = (before: string, after: string) => {
  const kept = new Set(after.split('\n'));
  return before.split('\n').filter((line) => !kept.has(line));
};

describe('proposeAccountChanges', () => {
  it('when the file matches the Organization, then nothing but the markers of unmarked accounts changes', () => {
    const first = propose(FILE, ORG);
    expect(first.findings).toEqual([]);
    expect(removedLines(FILE, first.text)).toEqual([
      "  - id: '111111111111'        # quote it: an unquoted 12-digit number is not a string",
      "  - id: '222222222222'",
    ]);
    expect(first.text).toContain(
      `  - id: '111111111111'        # quote it: an unquoted 12-digit number is not a string · org: "sandbox" /\n`,
    );
    expect(first.text).toContain(`  - id: '222222222222'  # org: "prod" /Workloads/Prod\n`);
    // A second run proposes nothing at all.
    expect(propose(first.text, ORG).text).toBe(first.text);
  });

  it('when the Organization has new active accounts, then they are added with an alias from their name, quoted id and marker', () => {
    const org = [...ORG, acct('555555555555', 'Data Platform (EU)', '/Workloads/Data'), acct('666666666666', 'prod', '/Workloads/Prod')];
    const result = propose(FILE, org);
    expect(result.findings.filter((f) => f.kind === 'add')).toEqual([
      { kind: 'add', id: '555555555555', alias: 'data-platform-eu', name: 'Data Platform (EU)', ouPath: '/Workloads/Data' },
      // "prod" is taken: the last four digits make it unique.
      { kind: 'add', id: '666666666666', alias: 'prod-6666', name: 'prod', ouPath: '/Workloads/Prod' },
    ]);
    expect(result.text).toContain(
      `    alias: legacy\n  - id: '555555555555'  # org: "Data Platform (EU)" /Workloads/Data\n    alias: data-platform-eu\n  - id: '666666666666'`,
    );
    expect(valid(result.text)).toBe(true);
    expect(removedLines(FILE, result.text)).toHaveLength(2); // only the two markers added to unmarked lines
  });

  it('when an account is suspended, then it is removed with its roles and their mappings, and comments elsewhere stay', () => {
    const org = ORG.map((a) => (a.id === '444444444444' ? { ...a, state: 'SUSPENDED' as const } : a));
    const result = propose(FILE, org);
    expect(result.findings).toContainEqual({
      kind: 'remove',
      id: '444444444444',
      alias: 'legacy',
      reason: 'suspended',
      roles: ['arn:aws:iam::444444444444:role/Billing'],
      mappings: 1,
    });
    expect(result.text).not.toContain('444444444444');
    expect(result.text).toContain('  - group: aws-admin          # production admins\n');
    expect(result.text).toContain('\nroles:\n  - arn: arn:aws:iam::222222222222:role/Admin\n');
    expect(valid(result.text)).toBe(true);
  });

  it('when accounts are closed or gone from the Organization, then they are removed, unless keepAbsent keeps the gone ones', () => {
    const org = [acct('111111111111', 'sandbox'), acct('444444444444', 'legacy-billing', '/Suspended', 'CLOSED')];
    const reasons = propose(FILE, org).findings.map((f) => (f.kind === 'remove' ? `${f.id} ${f.reason}` : f.kind));
    expect(reasons).toEqual(['222222222222 not-in-organization', '444444444444 closed']);
    const kept = propose(FILE, org, { keepAbsent: true });
    expect(kept.findings.map((f) => f.kind)).toEqual(['remove']);
    expect(kept.text).toContain("  - id: '222222222222'\n    alias: prod\n");
    expect(valid(propose(FILE, org).text)).toBe(true);
  });

  it('when a marked account was renamed or moved to another OU, then both are reported, the marker follows and the alias stays', () => {
    const org = ORG.map((a) => (a.id === '444444444444' ? { ...a, name: 'billing-archive', ouPath: '/Archive' } : a));
    const result = propose(FILE, org);
    expect(result.findings).toEqual([
      { kind: 'renamed', id: '444444444444', alias: 'legacy', from: 'legacy-billing', to: 'billing-archive' },
      { kind: 'moved', id: '444444444444', alias: 'legacy', from: '/Suspended', to: '/Archive' },
    ]);
    expect(result.text).toContain(`  - id: '444444444444'  # org: "billing-archive" /Archive\n    alias: legacy\n`);
  });

  it('when an OU scope is given, then only accounts under it are added or removed', () => {
    const org = [
      ...ORG.slice(0, 2),
      acct('444444444444', 'legacy-billing', '/Suspended', 'SUSPENDED'),
      acct('777777777777', 'api', '/Workloads/Prod/Api'),
    ];
    const result = propose(FILE, org, { ou: '/Workloads' });
    expect(result.findings.map((f) => `${f.kind} ${f.id}`)).toEqual(['add 777777777777']);
  });

  it('when the file has no accounts yet, then an accounts list is created before roles, or from accounts: []', () => {
    const org = [acct('111111111111', 'sandbox')];
    const none = propose('version: 1\n\nroles: []\n', org).text;
    expect(none).toBe('version: 1\n\naccounts:\n  - id: \'111111111111\'  # org: "sandbox" /\n    alias: sandbox\n\nroles: []\n');
    const empty = propose('version: 1\naccounts: []   \nroles: []\n', org).text;
    expect(empty).toBe('version: 1\naccounts:\n  - id: \'111111111111\'  # org: "sandbox" /\n    alias: sandbox\nroles: []\n');
    expect(valid(none) && valid(empty)).toBe(true);
  });

  it('when the file is not YAML or uses a flow sequence of accounts, then it says so and proposes nothing', () => {
    expect(proposeAccountChanges('accounts: [\n', ORG)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/not valid YAML/) as string,
    });
    expect(proposeAccountChanges("accounts: [{ id: '111111111111', alias: a }]\n", ORG)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/flow sequence/) as string,
    });
  });
});

describe('aliasFor', () => {
  it('when a name has spaces, capitals or symbols, then the alias keeps letters, digits, . _ -', () => {
    expect(aliasFor('Data Platform (EU)', '555555555555')).toBe('data-platform-eu');
    expect(aliasFor('--ÅÄÖ--', '555555555555')).toBe('account-555555555555');
    expect(aliasFor('x'.repeat(80), '555555555555')).toHaveLength(63);
  });
});

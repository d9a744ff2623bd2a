import { describe, expect, it } from 'vitest';
import { accessDocumentSchema } from '../../../src/domain/access-document.js';
import { mappingCovers, usageReport } from '../../../src/domain/access-usage.js';
import type { RoleUseRow } from '../../../src/ports/usage-query.js';

const DEV = 'arn:aws:iam::111111111111:role/Developer';
const ADMIN = 'arn:aws:iam::111111111111:role/Admin';
const doc = accessDocumentSchema.parse({
  accounts: [{ id: '111111111111', alias: 'sandbox' }],
  roles: [
    { arn: DEV, providerArn: 'arn:aws:iam::111111111111:saml-provider/rg' },
    { arn: ADMIN, providerArn: 'arn:aws:iam::111111111111:saml-provider/rg' },
  ],
  mappings: [
    { group: 'dev', role: DEV },
    { group: 'team-*', match: 'glob', role: DEV },
    { group: 'admins', role: ADMIN },
    { group: 'oncall', role: ADMIN, access: 'eligible', approval: { approverGroups: ['leads'], maxGrant: '1h' } },
  ],
});
const at = (iso: string) => new Date(iso);
const use = (over: Partial<RoleUseRow>): RoleUseRow => ({
  roleArn: DEV,
  subject: 'corp:ann',
  groups: ['dev'],
  client: 'cli',
  issued: 1,
  consoles: 0,
  lastAt: at('2026-11-01T00:00:00Z'),
  ...over,
});

describe('usage report', () => {
  const report = usageReport({
    mappings: doc.mappings,
    uses: [
      use({ issued: 4, consoles: 1, client: 'portal', lastAt: at('2026-11-20T00:00:00Z') }),
      use({ issued: 2 }),
      use({ subject: 'corp:tom', groups: ['team-blue'], client: 'api', issued: 1 }),
    ],
    holders: [
      { subject: 'corp:ann', groups: ['dev', 'admins'] },
      { subject: 'corp:tom', groups: ['team-blue'] },
      { subject: 'corp:eve', groups: ['dev'] },
    ],
    since: at('2026-09-01T00:00:00Z'),
    days: 90,
    fewUses: 3,
  });

  it('when uses are grouped by client, then a console sign-in counts once, as console, and the rest by client', () => {
    const ann = report.users.find((u) => u.user === 'corp:ann');
    expect(ann).toMatchObject({
      uses: 6,
      surfaces: { portal: 3, console: 1, cli: 2, api: 0 },
      lastUsedAt: '2026-11-20T00:00:00.000Z',
      holds: true,
    });
  });

  it('when a use matches a mapping by glob or exact group, then it counts toward that mapping only', () => {
    const exact = report.mappings.find((m) => m.group === 'dev');
    const glob = report.mappings.find((m) => m.group === 'team-*');
    expect(exact).toMatchObject({ uses: 6, holders: 2, usersWhoTookIt: 1 });
    expect(glob).toMatchObject({ uses: 1, holders: 1, usersWhoTookIt: 1, surfaces: { api: 1 } });
  });

  it('when nobody used a mapping, a holder never took a standing role, or a standing mapping is used only a little, then the three lists say so', () => {
    expect(report.unusedMappings).toEqual([`* exact admins → ${ADMIN}`, `* exact oncall → ${ADMIN}`]);
    expect(report.neverTaken).toEqual([
      { user: 'corp:ann', accountId: '111111111111', roleArn: ADMIN, via: ['admins'] },
      { user: 'corp:eve', accountId: '111111111111', roleArn: DEV, via: ['dev'] },
    ]);
    // An eligible mapping is not a candidate: it is just-in-time already.
    expect(report.justInTimeCandidates).toEqual([
      { key: `* glob team-* → ${DEV}`, roleArn: DEV, uses: 1, lastUsedAt: '2026-11-01T00:00:00.000Z' },
    ]);
  });

  it('when a mapping names an IdP, then it covers users of that IdP only', () => {
    expect(mappingCovers({ group: 'dev', match: 'exact', idp: 'corp' }, 'corp:ann', ['dev'])).toBe(true);
    expect(mappingCovers({ group: 'dev', match: 'exact', idp: 'other' }, 'corp:ann', ['dev'])).toBe(false);
  });
});

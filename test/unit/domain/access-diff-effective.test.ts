import { describe, expect, it } from 'vitest';
import { accessDocumentSchema, type AccessDocument } from '../../../src/domain/access-document.js';
import { diffAccess, diffEffectiveAccess, identitiesReached, identityIndex } from '../../../src/domain/access-diff.js';

const PROD = '222222222222';
const SANDBOX = '111111111111';
const saml = (account: string) => `arn:aws:iam::${account}:saml-provider/rolegate`;

function doc(mappings: unknown[], roleMax = 3600): AccessDocument {
  return accessDocumentSchema.parse({
    version: 1,
    accounts: [
      { id: SANDBOX, alias: 'sandbox' },
      { id: PROD, alias: 'prod', tags: ['prod'] },
    ],
    roles: [
      { arn: `arn:aws:iam::${PROD}:role/Admin`, providerArn: saml(PROD), maxSessionSeconds: roleMax },
      { arn: `arn:aws:iam::${SANDBOX}:role/Developer`, providerArn: saml(SANDBOX), maxSessionSeconds: 43200 },
    ],
    mappings,
  });
}
const admin = `arn:aws:iam::${PROD}:role/Admin`;
const developer = `arn:aws:iam::${SANDBOX}:role/Developer`;

describe('diffEffectiveAccess', () => {
  it('when a group gains an eligible role and another loses one, then each is one grant or revoke named group → account/role', () => {
    const before = doc([{ group: 'contractors', role: developer }]);
    const after = doc([
      { group: 'team-sre', role: admin, access: 'eligible', approval: { approverGroups: ['sre-leads'], maxGrant: '4h' } },
    ]);
    const changes = diffEffectiveAccess(before, after);
    expect(changes.map((c) => [c.action, c.action === 'change' ? c.after.target : c.grant.target])).toEqual([
      ['grant', 'prod/Admin'],
      ['revoke', 'sandbox/Developer'],
    ]);
    expect(changes[0]).toMatchObject({
      action: 'grant',
      grant: { group: 'team-sre', access: 'eligible', approval: { approverGroups: ['sre-leads'], maxGrant: '4h', approvals: 1 } },
    });
    // Beside today's object diff, not instead of it.
    expect(
      diffAccess(before, after)
        .map((c) => c.action)
        .sort(),
    ).toEqual(['add', 'remove']);
  });

  it('when conditions change, then each is reported as tightened or loosened', () => {
    const before = doc([
      { group: 'admins', role: admin, requireMfa: false, allowedCidrs: ['10.0.0.0/8', '192.168.0.0/16'] },
      { group: 'devs', role: developer, maxSessionSeconds: 3600, breakGlass: true },
    ]);
    const after = doc([
      { group: 'admins', role: admin, requireMfa: true, allowedCidrs: ['10.0.0.0/8'] },
      { group: 'devs', role: developer, maxSessionSeconds: 7200 },
    ]);
    const changes = diffEffectiveAccess(before, after);
    const conditions = changes.map((c) => (c.action === 'change' ? c.conditions.map((x) => `${x.direction} ${x.condition}`) : []));
    expect(conditions).toEqual([
      ['tightened mfa', 'tightened cidrs'],
      ['loosened access', 'loosened maxSession'],
    ]);
  });

  it('when only the role’s own maximum shrinks, then the grants of mappings without a cap show a tightened session', () => {
    const changes = diffEffectiveAccess(doc([{ group: 'admins', role: admin }], 7200), doc([{ group: 'admins', role: admin }], 3600));
    expect(changes).toEqual([
      expect.objectContaining({
        action: 'change',
        conditions: [{ condition: 'maxSession', before: 7200, after: 3600, direction: 'tightened' }],
      }),
    ]);
  });

  it('when an approval policy changes, then more approvals and shorter grants tighten, auto-approved groups loosen', () => {
    const eligible = (approval: Record<string, unknown>) => doc([{ group: 'sre', role: admin, access: 'eligible', approval }]);
    const changes = diffEffectiveAccess(
      eligible({ approverGroups: ['leads'], maxGrant: '8h' }),
      eligible({ approverGroups: ['leads'], maxGrant: '4h', approvals: 2, autoApproveGroups: ['oncall'] }),
    );
    expect(changes[0]?.action === 'change' && changes[0].conditions.map((c) => `${c.direction} ${c.condition}`)).toEqual([
      'tightened approvals',
      'tightened maxGrant',
      'loosened autoApproveGroups',
    ]);
  });

  it('when nothing effective changes (a description), then the effective diff is empty though the object diff is not', () => {
    const before = doc([{ group: 'admins', role: admin }]);
    const after = structuredClone(before);
    (after.roles[0] as { description: string }).description = 'reworded';
    expect(diffAccess(before, after)).toHaveLength(1);
    expect(diffEffectiveAccess(before, after)).toEqual([]);
  });

  it('identitiesReached: exact and glob groups, and the IdP when the grant names one', () => {
    const people = [
      { user: 'okta:alice', idp: 'okta', groups: ['team-sre'] },
      { user: 'azure:bob', idp: 'azure', groups: ['team-sre'] },
      { user: 'okta:carol', idp: 'okta', groups: ['team-data'] },
    ];
    expect(identitiesReached({ group: 'team-sre', match: 'exact' }, people).map((p) => p.user)).toEqual(['okta:alice', 'azure:bob']);
    expect(identitiesReached({ group: 'team-*', match: 'glob', idp: 'okta' }, people).map((p) => p.user)).toEqual([
      'okta:alice',
      'okta:carol',
    ]);
  });

  it('identityIndex: 20,000 grants over 50,000 identities cost their matches, not grants × identities', () => {
    const identities = Array.from({ length: 50_000 }, (_, i) => ({
      user: `corp:u${String(i)}`,
      idp: 'corp',
      groups: [`g${String(i % 5000)}`, `team-${String(i % 13)}`],
    }));
    const started = performance.now();
    const reach = identityIndex(identities);
    let reached = 0;
    for (let i = 0; i < 20_000; i++) reached += reach({ group: `g${String(i % 5000)}`, match: 'exact' }).length;
    reached += reach({ group: 'team-1*', match: 'glob' }).length;
    // 10 identities per g-group; team-1, team-10, team-11, team-12: 3847 + 3 × 3846.
    expect(reached).toBe(20_000 * 10 + 15_385);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

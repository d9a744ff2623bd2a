import { describe, expect, it } from 'vitest';
import { fuzzyScore, rankRoles } from '../../../src/cli/roles/rank-roles.js';
import { frecency } from '../../../src/cli/roles/role-history.js';
import { parseRoleName, roleFromArguments } from '../../../src/cli/roles/role-name.js';

const item = (label: string, frecency = 0, extra = '') => ({ label, extra, frecency });

describe('rankRoles', () => {
  const roles = [item('sandbox/BrokerDeveloper'), item('sandbox/Developer'), item('prod/ReadOnly'), item('sandbox/WebIdentityDeveloper')];

  it('when the query is a fuzzy subsequence, then the tightest match at word starts comes first', () => {
    expect(rankRoles(roles, 'sandbox/dev').map((r) => r.label)[0]).toBe('sandbox/Developer');
    expect(rankRoles(roles, 'sbdev').map((r) => r.label)).toContain('sandbox/Developer');
    expect(rankRoles(roles, 'pro').map((r) => r.label)).toEqual(['prod/ReadOnly']);
    expect(rankRoles(roles, 'xyz')).toEqual([]);
  });

  it('when there is no query, then frecency orders the list, then the name', () => {
    const used = [item('a/One'), item('b/Two', 8), item('c/Three', 2)];
    expect(rankRoles(used, '').map((r) => r.label)).toEqual(['b/Two', 'c/Three', 'a/One']);
  });

  it('when only the extra text (account id, description) matches, then the role is still found', () => {
    expect(rankRoles([item('prod/ReadOnly', 0, '222222222222 Read-only access')], '2222').map((r) => r.label)).toEqual(['prod/ReadOnly']);
    expect(fuzzyScore('', 'anything')).toBe(0);
  });

  it('when a role was used recently, then it weighs more than the same count long ago', () => {
    const now = Date.now();
    expect(frecency({ count: 2, lastUsed: now - 60_000 }, now)).toBeGreaterThan(
      frecency({ count: 2, lastUsed: now - 40 * 86_400_000 }, now),
    );
    expect(frecency(undefined, now)).toBe(0);
  });
});

describe('role names', () => {
  it.each([
    ['sandbox/Developer', { account: 'sandbox', role: 'Developer' }],
    ['111111111111/Admin+Ops', { account: '111111111111', role: 'Admin+Ops' }],
    ['arn:aws:iam::222222222222:role/breakglass/BreakGlass', { account: '222222222222', role: 'BreakGlass' }],
    ['arn:aws-cn:iam::222222222222:role/R', { account: '222222222222', role: 'R' }],
  ])('when %s, then it names %j', (text, name) => {
    expect(parseRoleName(text)).toEqual(name);
  });

  it.each(['Developer', '/Developer', 'sandbox/', 'a/b/c', ''])('when %j, then it is not a role name', (text) => {
    expect(parseRoleName(text)).toBeUndefined();
  });

  it('when options and a positional both name a role, or only half of one is given, then it is a usage error', () => {
    expect(() => roleFromArguments({ positional: 'a/b', role: 'c' })).toThrow('not both');
    expect(() => roleFromArguments({ account: 'a' })).toThrow('--account needs --role');
    expect(() => roleFromArguments({ role: 'Developer' })).toThrow('--role needs --account');
    expect(roleFromArguments({ role: 'a/b' })).toEqual({ account: 'a', role: 'b' });
    expect(roleFromArguments({})).toBeUndefined();
  });
});

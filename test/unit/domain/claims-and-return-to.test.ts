import { describe, expect, it } from 'vitest';
import { groupsFrom, readClaim } from '../../../src/domain/claims.js';
import { isMultiTenantIssuer } from '../../../src/domain/identity-provider.js';
import { safeReturnTo } from '../../../src/domain/return-to.js';

describe('readClaim and groupsFrom', () => {
  const claims = {
    groups: ['a', 'b', 'a'],
    'cognito:groups': ['c'],
    'https://corp.example/groups': ['d'],
    realm_access: { roles: ['e', 'f'] },
    single: 'g',
  };
  it.each([
    ['groups', ['a', 'b']],
    ['cognito:groups', ['c']],
    ['https://corp.example/groups', ['d']],
    ['realm_access.roles', ['e', 'f']],
    ['single', ['g']],
    ['missing', []],
    ['realm_access.missing', []],
  ])('when groups come from %s, then they are %j', (path, expected) => {
    expect(groupsFrom(readClaim(claims, path))).toEqual(expected);
  });

  it('when the value holds non-strings or empty strings, then they are dropped', () => {
    expect(groupsFrom(['x', 1, null, '', { y: 1 }, 'z'])).toEqual(['x', 'z']);
  });

  it('when a path walks through an inherited property, then it finds nothing', () => {
    expect(readClaim({}, 'constructor.name')).toBeUndefined();
  });
});

describe('safeReturnTo', () => {
  it.each([
    ['/portal', '/portal'],
    ['/portal?tab=1#x', '/portal?tab=1#x'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/ok\nSet-Cookie: x', '/'],
    ['/auth/logout', '/'],
    ['/login', '/'],
    ['', '/'],
    [undefined, '/'],
    [['/a', '/b'], '/'],
  ])('when returnTo is %j, then it becomes %j', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});

describe('isMultiTenantIssuer', () => {
  it.each([
    ['https://login.microsoftonline.com/common/v2.0', true],
    ['https://login.microsoftonline.com/organizations/v2.0', true],
    ['https://login.microsoftonline.com/{tenantid}/v2.0', true],
    ['https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0', false],
    ['https://corp.okta.com', false],
  ])('when the issuer is %s, then multi-tenant is %s', (issuer, expected) => {
    expect(isMultiTenantIssuer(issuer)).toBe(expected);
  });
});

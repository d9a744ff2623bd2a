import { describe, expect, it } from 'vitest';
import { globMatch, groupMatches } from '../../../src/domain/glob-match.js';

describe('globMatch', () => {
  it.each([
    ['aws-*', 'aws-dev', true],
    ['aws-*', 'aws-', true],
    ['aws-*', 'AWS-dev', false],
    ['aws-*', 'xaws-dev', false],
    ['*-admins', 'prod-admins', true],
    ['*-admins', 'prod-admins-old', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['team-?', 'team-', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['', '', true],
    ['', 'x', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['a**b', 'ab', true],
    ['?', '😀', true],
    ['grp-?', 'grp-é', true],
  ])('when %j is matched against %j, then the answer is %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });

  it.each([
    ['.*', 'anything', false],
    ['.*', '.*', true],
    ['a.c', 'abc', false],
    ['a+', 'aaa', false],
    ['(admins|users)', 'admins', false],
    ['[ab]', 'a', false],
    ['[ab]', '[ab]', true],
    ['a\\*', 'a\\anything', true],
    ['^admins$', 'admins', false],
    ['CN=Admins,OU=Groups,DC=corp', 'CN=Admins,OU=Groups,DC=corp', true],
  ])('when the pattern %j holds regex syntax, then it is literal text (against %j: %s)', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });

  it('when a pathological pattern meets a long value, then it answers quickly', () => {
    const started = performance.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('groupMatches', () => {
  it('when the mapping is exact, then glob characters are literal', () => {
    expect(groupMatches('exact', 'aws-*', 'aws-dev')).toBe(false);
    expect(groupMatches('exact', 'aws-*', 'aws-*')).toBe(true);
    expect(groupMatches('exact', 'Admins', 'admins')).toBe(false);
  });
  it('when the mapping is a glob, then wildcards apply', () => {
    expect(groupMatches('glob', 'aws-*', 'aws-dev')).toBe(true);
  });
});

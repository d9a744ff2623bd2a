import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isLocalPath, safeReturnTo, signInPath } from '../../../src/domain/return-to.js';
import { HOSTILE_RETURN_TO, KEPT_RETURN_TO } from '../../support/hostile-return-to.js';

const ORIGIN = 'https://rolegate.corp.example';

/** Where a browser goes for a Location header (or a link) with this value, on rolegate's origin. */
const resolved = (location: string) => new URL(location, `${ORIGIN}/portal/page`);

describe('safeReturnTo', () => {
  it('when the table of hostile return addresses has enough variety, then it has at least 40 forms', () => {
    expect(HOSTILE_RETURN_TO.length).toBeGreaterThanOrEqual(40);
  });

  it.each(HOSTILE_RETURN_TO)('when returnTo is hostile (%s), then it becomes /', (_label, value) => {
    const result = safeReturnTo(value);
    expect(result).toBe('/');
    expect(resolved(result).origin).toBe(ORIGIN);
  });

  it.each(KEPT_RETURN_TO)('when returnTo is the local path %j, then it is kept exactly', (value) => {
    expect(safeReturnTo(value)).toBe(value);
  });

  it.each([
    ['/portal?q=a b', '/portal?q=a%20b'],
    ['/portal/./x/../', '/portal/'],
    ['/portal?q="<x>"', '/portal?q=%22%3Cx%3E%22'],
    ['/portal#"frag"', '/portal#%22frag%22'],
  ])('when returnTo %j needs normalising, then the normalised form %j is returned', (value, expected) => {
    expect(safeReturnTo(value)).toBe(expected);
  });

  it.each([[undefined], [null], [42], [['/a', '/b']], [{ toString: () => '/portal' }], ['']])(
    'when returnTo is not one non-empty string (%j), then it becomes /',
    (value) => {
      expect(safeReturnTo(value)).toBe('/');
    },
  );

  it('when random printable and control characters follow a slash, then every result is a local path, stays on the origin and is stable', () => {
    const alphabet = ['/', '\\', '.', '%', '2', 'e', 'f', '5', 'c', '0', '9', 'a', '?', '#', '@', ':', '\t', '\n', ' ', '\uff0f', 'x'];
    for (let i = 0; i < 5000; i++) {
      const bytes = randomBytes(1 + (i % 12));
      const value = `/${[...bytes].map((b) => alphabet[b % alphabet.length] ?? '').join('')}`;
      const result = safeReturnTo(value);
      expect(isLocalPath(result), JSON.stringify(value)).toBe(true);
      expect(resolved(result).origin, JSON.stringify(value)).toBe(ORIGIN);
      // What a browser lands on is exactly what was checked (nothing left for it to re-normalise).
      const landed = resolved(result);
      expect(`${landed.pathname}${landed.search}${landed.hash}`, JSON.stringify(value)).toBe(result);
      expect(safeReturnTo(result), JSON.stringify(value)).toBe(result);
    }
  });
});

describe('signInPath', () => {
  it.each([
    ['/portal?q=prod', {}, '/login?returnTo=%2Fportal%3Fq%3Dprod'],
    ['/portal', { expired: true }, '/login?returnTo=%2Fportal&expired=1'],
    ['/.//evil.example/phish', {}, '/login'],
    ['http://evil.example/portal', { expired: true }, '/login?expired=1'],
    ['/', {}, '/login'],
  ])('when bouncing %j (%j) to sign-in, then the sign-in URL is %j', (returnTo, options, expected) => {
    expect(signInPath(returnTo, options)).toBe(expected);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceNameFrom } from '../../../src/domain/oauth/device-name.js';
import { checkLoopbackRedirectUri, withResponseParams } from '../../../src/domain/oauth/loopback-redirect.js';
import { isCodeVerifier, s256, verifiesChallenge } from '../../../src/domain/oauth/pkce.js';
import { displayUserCode, normalizeUserCode, USER_CODE_ALPHABET, userCodeFrom } from '../../../src/domain/oauth/user-code.js';

describe('PKCE (RFC 7636)', () => {
  it('when the verifier is the RFC 7636 appendix B example, then S256 gives the RFC challenge', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('when the verifier answers the challenge, then it verifies; any other verifier or a malformed one does not', () => {
    const verifier = 'a'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(verifiesChallenge(verifier, challenge)).toBe(true);
    expect(verifiesChallenge('b'.repeat(43), challenge)).toBe(false);
    expect(verifiesChallenge('short', s256('short'))).toBe(false);
    expect(verifiesChallenge(verifier, verifier)).toBe(false); // `plain` is never accepted
  });

  it('when verifiers are 42, 43, 128 or 129 characters or use other characters, then only 43-128 of the unreserved set are valid', () => {
    expect(isCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isCodeVerifier('A1-._~'.repeat(21) + 'ab')).toBe(true);
    expect(isCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false);
  });
});

describe('loopback redirect URIs (RFC 8252 §7.3, §8.3)', () => {
  // http://127.1 is 127.0.0.1 to every URL parser (WHATWG IPv4 shorthand), so it is the same loopback literal.
  it.each([
    'http://127.0.0.1:49152/callback',
    'http://127.0.0.1/cb',
    'http://[::1]:8400/',
    'http://127.0.0.1:1/x?y=1',
    'http://127.1:8400/cb',
  ])('when %s, then it is accepted', (uri) => expect(checkLoopbackRedirectUri(uri)).toEqual({ ok: true, uri }));

  it.each([
    ['http://localhost:8400/cb', /loopback address/],
    ['http://127.0.0.2:8400/cb', /loopback address/],
    ['https://127.0.0.1:8400/cb', /must be http/],
    ['com.example.app:/cb', /must be http/],
    ['http://a:b@127.0.0.1:8400/cb', /user information/],
    ['http://127.0.0.1:8400/cb#frag', /fragment/],
    ['/relative', /absolute URL/],
    [`http://127.0.0.1:1/${'a'.repeat(600)}`, /longer than 512/],
  ])('when %s, then it is refused (%s)', (uri, reason) => {
    expect(checkLoopbackRedirectUri(uri)).toMatchObject({ ok: false, reason: expect.stringMatching(reason) as string });
  });

  it('when response parameters are added, then the redirect URI keeps its own query', () => {
    expect(withResponseParams('http://127.0.0.1:5/cb?x=1', { code: 'c', state: 's t' })).toBe('http://127.0.0.1:5/cb?x=1&code=c&state=s+t');
  });
});

describe('device user codes (RFC 8628 §6.1)', () => {
  it('when codes are drawn, then they are 8 letters of the 20-consonant alphabet, shown as XXXX-XXXX', () => {
    for (let i = 0; i < 200; i++) {
      const code = userCodeFrom(crypto.getRandomValues(new Uint8Array(32)));
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      expect(displayUserCode(code ?? '')).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    }
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY01]/);
  });

  it('when bytes fall in the biased tail, then they are skipped (uniform) and too few bytes give no code', () => {
    expect(
      userCodeFrom(new Uint8Array([255, 254, 253, 252, 251, 250, 249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 239])),
    ).toBeUndefined();
    expect(userCodeFrom(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]))).toBe('BCDFGHJK');
    expect(userCodeFrom(new Uint8Array([240, 0, 1, 2, 3, 4, 5, 6, 7]))).toBe('BCDFGHJK');
  });

  it('when users type a code loosely, then case, spaces and dashes do not matter; other letters or lengths are refused', () => {
    expect(normalizeUserCode('bcdf-ghjk')).toBe('BCDFGHJK');
    expect(normalizeUserCode(' BCDF GHJK ')).toBe('BCDFGHJK');
    expect(normalizeUserCode('BCDF-GHJA')).toBeUndefined();
    expect(normalizeUserCode('BCDF-GHJ')).toBeUndefined();
    expect(normalizeUserCode('B'.repeat(40))).toBeUndefined();
  });
});

describe('device names', () => {
  it('when a CLI sends a name, then control characters are dropped, it is capped at 64 and never empty', () => {
    expect(deviceNameFrom('alice-laptop')).toBe('alice-laptop');
    expect(deviceNameFrom('evil\u001b[31mname\n')).toBe('evil[31mname');
    expect(deviceNameFrom('x'.repeat(100))).toHaveLength(64);
    expect(deviceNameFrom('   ')).toBe('unnamed device');
    expect(deviceNameFrom(undefined)).toBe('unnamed device');
  });
});

import { describe, expect, it } from 'vitest';
import { SESSION_NAME_PATTERN, sessionNameFor, sessionNameForUse, sourceIdentityFor } from '../../../src/domain/session-name.js';

const bare = { bareIdp: 'corp' };

describe('sessionNameFor', () => {
  it.each(['alice@corp.com', 'bob', 'first.last+tag=x,y@sub-domain.example', 'a_b'])(
    'when the bare IdP gives the valid subject %s, then it is used unchanged',
    (subject) => {
      expect(sessionNameFor({ idp: 'corp', subject }, bare)).toBe(subject);
    },
  );

  it('when the subject needs sanitising, then invalid characters become _ and a hash suffix keeps it unique', () => {
    const name = sessionNameFor({ idp: 'corp', subject: 'Alice Smith/Ops' }, bare);
    expect(name).toMatch(/^Alice_Smith_Ops=[a-z2-7]{12}$/);
  });

  it('when two subjects sanitise to the same text, then their names still differ', () => {
    const a = sessionNameFor({ idp: 'corp', subject: 'alice smith' }, bare);
    const b = sessionNameFor({ idp: 'corp', subject: 'alice/smith' }, bare);
    const c = sessionNameFor({ idp: 'corp', subject: 'alice_smith' }, bare);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toBe('alice_smith');
  });

  it('when the same subject comes from two IdPs, then the names differ', () => {
    const fromCorp = sessionNameFor({ idp: 'corp', subject: 'alice@corp.com' }, bare);
    const fromOther = sessionNameFor({ idp: 'partner', subject: 'alice@corp.com' }, bare);
    expect(fromCorp).toBe('alice@corp.com');
    expect(fromOther).toMatch(/^alice@corp\.com=[a-z2-7]{12}$/);
  });

  it('when no IdP is bare, then every name carries the hash', () => {
    expect(sessionNameFor({ idp: 'corp', subject: 'alice@corp.com' })).toMatch(/^alice@corp\.com=[a-z2-7]{12}$/);
  });

  it('when a subject is crafted to look like another user\u2019s hashed name, then it is hashed again and cannot collide', () => {
    const victim = sessionNameFor({ idp: 'partner', subject: 'alice@corp.com' }, bare);
    const attacker = sessionNameFor({ idp: 'corp', subject: victim }, bare);
    expect(attacker).not.toBe(victim);
    expect(attacker).toMatch(SESSION_NAME_PATTERN);
  });

  it('when the subject is longer than 64 characters, then it is truncated with a hash and stays within 64', () => {
    const long = 'x'.repeat(100);
    const name = sessionNameFor({ idp: 'corp', subject: long }, bare);
    expect(name).toHaveLength(64);
    expect(name).not.toBe(sessionNameFor({ idp: 'corp', subject: `${long}y` }, bare));
  });

  it.each(['a', '', '日本語', '<script>', '\u0000\u0001'])('when the subject is %j, then the name is still valid', (subject) => {
    expect(sessionNameFor({ idp: 'corp', subject }, bare)).toMatch(SESSION_NAME_PATTERN);
  });

  it('when computed twice, then the name is stable', () => {
    const subject = 'CN=Alice,OU=Users';
    expect(sessionNameFor({ idp: 'corp', subject }, bare)).toBe(sessionNameFor({ idp: 'corp', subject }, bare));
  });

  it('when 20 000 distinct subjects are named, then no two names collide and all are valid', () => {
    const names = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const name = sessionNameFor({ idp: i % 2 ? 'corp' : 'partner', subject: `user ${String(Math.floor(i / 2))}` }, bare);
      expect(name).toMatch(SESSION_NAME_PATTERN);
      names.add(name);
    }
    expect(names.size).toBe(20_000);
  });

  it('when asked for the source identity, then it equals the session name', () => {
    expect(sourceIdentityFor({ idp: 'corp', subject: 'x y' }, bare)).toBe(sessionNameFor({ idp: 'corp', subject: 'x y' }, bare));
  });
});

describe('sessionNameForUse', () => {
  const grant = { kind: 'grant' as const, id: '0b6f2c1e-4d1a-4c51-9a43-2f1d7e6b9c10' };
  const use = { kind: 'break-glass' as const, id: '7f3e2a10-9c4b-4e8d-b1a2-5c6d7e8f9a0b' };

  it('when a session is opened for a grant or a break-glass use, then its name is the user’s, then the id, within the STS rules', () => {
    expect(sessionNameForUse({ idp: 'corp', subject: 'alice' }, bare, grant)).toBe(`alice.g-${grant.id}`);
    expect(sessionNameForUse({ idp: 'corp', subject: 'alice' }, bare, use)).toBe(`alice.bg-${use.id}`);
    expect(sessionNameForUse({ idp: 'corp', subject: 'alice' }, bare, undefined)).toBe('alice');
  });

  it('when the user’s name is too long to sit beside the id, then it is shortened to a prefix and its hash, still within 64 characters', () => {
    const long = 'first.last.with.a.long.name@subsidiary.example.com';
    const a = sessionNameForUse({ idp: 'corp', subject: long }, bare, use);
    const b = sessionNameForUse({ idp: 'corp', subject: `${long}x` }, bare, use);
    expect(a).toMatch(SESSION_NAME_PATTERN);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(new RegExp(`^first\\.last\\.=[a-z2-7]{12}\\.bg-${use.id}$`));
    expect(a).not.toBe(b);
  });

  it('when a bare subject ends like a use suffix, then it is hashed, so it can never pose as another user’s use', () => {
    const crafted = `alice.g-${grant.id}`;
    const name = sessionNameFor({ idp: 'corp', subject: crafted }, bare);
    expect(name).not.toBe(crafted);
    expect(name).toMatch(/=[a-z2-7]{12}$/);
  });

  it('when a use id is not a lower-case UUID, then it is refused rather than written into the session name', () => {
    expect(() => sessionNameForUse({ idp: 'corp', subject: 'alice' }, bare, { kind: 'grant', id: 'x/y' })).toThrow(/UUID/);
  });
});

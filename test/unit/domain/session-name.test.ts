import { describe, expect, it } from 'vitest';
import { SESSION_NAME_PATTERN, sessionNameFor, sourceIdentityFor } from '../../../src/domain/session-name.js';

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

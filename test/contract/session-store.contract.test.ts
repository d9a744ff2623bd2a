import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../../src/adapters/memory/memory-kv-store.js';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import type { Principal } from '../../src/domain/principal.js';
import { SessionStore, type LoginSession } from '../../src/features/sessions/session-store.js';
import type { KvStore } from '../../src/ports/kv-store.js';
import { captureLogs } from '../support/logs.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';

const implementations: { name: string; create: (prefix: string) => Promise<KvStore> }[] = [
  { name: 'memory', create: () => Promise.resolve(new MemoryKvStore()) },
  {
    name: 'redis',
    create: (prefix) =>
      RedisKvStore.connect({ url: testRedisUrl, keyPrefix: prefix, connectTimeoutMs: 2000, logger: captureLogs().logger }),
  },
];

const principal = (subject: string): Principal => ({
  id: `corp:${subject}`,
  idp: 'corp',
  subject,
  username: subject,
  groups: ['g'],
  authn: { methods: [], mfa: false, authenticatedAt: Date.now() },
});

describe.each(implementations)('SessionStore over KvStore: $name', ({ create }) => {
  const prefix = uniqueRedisPrefix();
  let kv: KvStore;
  let now = Date.now();
  let sessions: SessionStore;
  beforeAll(async () => {
    kv = await create(prefix);
    sessions = new SessionStore(kv, { now: () => now });
  });
  afterAll(async () => {
    await kv.close();
    await deleteRedisKeys(prefix);
  });

  it('when a session is created, then its cookie value reads it back and the store keys it by the hash only', async () => {
    const { cookieValue, session } = await sessions.create({ principal: principal('a'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    expect(cookieValue).toMatch(/^[\w-]{43}$/);
    expect(session.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await sessions.get(cookieValue)).toMatchObject({ id: session.id, principal: { id: 'corp:a' } });
    expect(await kv.get(`session:${cookieValue}`)).toBeNull();
    expect(await kv.ttlMs(`session:${session.id}`)).toBeGreaterThan(59_000);
  });

  it('when a cookie value is unknown or malformed, then get is null', async () => {
    expect(await sessions.get('x'.repeat(43))).toBeNull();
    expect(await sessions.get('not a cookie')).toBeNull();
  });

  it('when the clock passes expiresAt, then the session is gone even before the store expires it', async () => {
    const { cookieValue } = await sessions.create({ principal: principal('b'), ttlMs: 5000, idpSession: { kind: 'oidc' } });
    now += 6000;
    expect(await sessions.get(cookieValue)).toBeNull();
    now = Date.now();
  });

  it('when one session ends, then the others of the same principal live on; endAllSessionsOf ends the rest', async () => {
    const one = await sessions.create({ principal: principal('c'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    const two = await sessions.create({ principal: principal('c'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    const three = await sessions.create({ principal: principal('c'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    await sessions.end(one.session);
    expect(await sessions.get(one.cookieValue)).toBeNull();
    expect(await sessions.get(two.cookieValue)).not.toBeNull();
    expect(await sessions.endAllSessionsOf('corp:c')).toBe(2);
    expect(await sessions.get(three.cookieValue)).toBeNull();
    expect(await sessions.endAllSessionsOf('corp:c')).toBe(0);
  });

  it('when SAML logout names a NameID and SessionIndex, then only the matching sessions end', async () => {
    const p = principal('d');
    const a = await sessions.create({ principal: p, ttlMs: 60_000, idpSession: { kind: 'saml', nameId: 'd', sessionIndex: 'idx-1' } });
    const b = await sessions.create({ principal: p, ttlMs: 60_000, idpSession: { kind: 'saml', nameId: 'd', sessionIndex: 'idx-2' } });
    expect(await sessions.endSamlSessions(p.id, { nameId: 'd', sessionIndex: 'idx-1' })).toBe(1);
    expect(await sessions.get(a.cookieValue)).toBeNull();
    expect(await sessions.get(b.cookieValue)).not.toBeNull();
  });

  // Rolling upgrades (docs/architecture.md, "Stored records"): the release before records were
  // versioned wrote plain JSON; a newer release may write a version this one does not know.
  const rewrite = async (session: LoginSession, text: (stored: Record<string, unknown>) => string) => {
    const stored = JSON.parse((await kv.get(`session:${session.id}`)) ?? 'null') as Record<string, unknown>;
    await kv.set(`session:${session.id}`, text(stored), 60_000);
  };

  it('when a session was written by the previous release (no version field), then it still signs the user in', async () => {
    const { cookieValue, session } = await sessions.create({ principal: principal('e'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    await rewrite(session, ({ v: _v, ...previous }) => JSON.stringify(previous));
    const fresh = new SessionStore(kv, { now: () => now });
    expect(await fresh.get(cookieValue)).toEqual(session);
  });

  it('when a session was written by a newer release or is garbled, then get is null (sign in again), and the record is left alone', async () => {
    const { cookieValue, session } = await sessions.create({ principal: principal('f'), ttlMs: 60_000, idpSession: { kind: 'oidc' } });
    expect(await sessions.get(cookieValue)).not.toBeNull();
    await rewrite(session, (stored) => JSON.stringify({ ...stored, v: 2, principal: { renamed: true } }));
    expect(await sessions.get(cookieValue)).toBeNull();
    expect(await kv.get(`session:${session.id}`)).toContain('"v":2');
    for (const garbled of ['{"v":1,', '[]', '{"v":1,"id":7}', 'null']) {
      await kv.set(`session:${session.id}`, garbled, 60_000);
      expect(await sessions.get(cookieValue)).toBeNull();
    }
  });

  it('when SAML logout finds a session of the principal this release cannot read, then it ends that one too', async () => {
    const p = principal('g');
    const readable = await sessions.create({ principal: p, ttlMs: 60_000, idpSession: { kind: 'saml', nameId: 'g', sessionIndex: 'idx-1' } });
    const unreadable = await sessions.create({ principal: p, ttlMs: 60_000, idpSession: { kind: 'saml', nameId: 'g', sessionIndex: 'idx-2' } });
    await rewrite(unreadable.session, (stored) => JSON.stringify({ ...stored, v: 9 }));
    expect(await sessions.endSamlSessions(p.id, { nameId: 'other' })).toBe(1);
    expect(await kv.get(`session:${unreadable.session.id}`)).toBeNull();
    expect(await sessions.get(readable.cookieValue)).not.toBeNull();
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PrismaAccessRequestStore } from '../../src/adapters/db/prisma-access-request-store.js';
import type { ApprovalPolicy } from '../../src/domain/access-model.js';
import type { NewAccessRequest } from '../../src/ports/access-request-store.js';
import { databaseImplementations } from '../support/database-implementations.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const MIN = 60_000;

const policy = (overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy => ({
  approverGroups: ['aws-admin'],
  approvalsNeeded: 1,
  maxGrantSeconds: 4 * 3600,
  reasonRequired: true,
  autoApproveGroups: [],
  ...overrides,
});

const newRequest = (overrides: Partial<NewAccessRequest> = {}): NewAccessRequest => ({
  id: randomUUID(),
  principalId: 'corp:alice',
  idp: 'corp',
  username: 'alice',
  groups: ['aws-dev'],
  accountId: '222222222222',
  roleId: randomUUID(),
  roleArn: 'arn:aws:iam::222222222222:role/Admin',
  mappingId: randomUUID(),
  policy: policy(),
  durationSeconds: 3600,
  reason: 'deploy the hotfix for INC-42',
  now: T0,
  expiresAt: T0 + 60 * MIN,
  ...overrides,
});

// Two connections on the real PostgreSQL, so concurrent transitions really run side by side there.
describe.each(databaseImplementations({ poolSize: 4 }))('AccessRequestStore contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  let store: PrismaAccessRequestStore;
  // PGlite starts slowly when the machine is busy (several suites share it).
  beforeAll(async () => {
    ({ database, close } = await create());
    store = new PrismaAccessRequestStore(database.prisma);
  }, 120_000);
  afterAll(async () => {
    await close();
  });

  it('when a request is created, then it reads back pending with every field, and lists for its requester newest first', async () => {
    const principalId = `corp:${randomUUID()}`;
    const first = await store.create(newRequest({ principalId, ticket: 'OPS-1' }));
    const second = await store.create(newRequest({ principalId, now: T0 + MIN, expiresAt: T0 + 61 * MIN }));
    expect(first).toMatchObject({
      state: 'pending',
      principalId,
      groups: ['aws-dev'],
      durationSeconds: 3600,
      reason: 'deploy the hotfix for INC-42',
      ticket: 'OPS-1',
      createdAt: T0,
      expiresAt: T0 + 60 * MIN,
      approvals: [],
      autoApproved: false,
      policy: policy(),
    });
    expect(first.endsAt).toBeUndefined();
    expect(await store.get(first.id)).toEqual(first);
    expect((await store.list({ principalId, limit: 10 })).map((r) => r.id)).toEqual([second.id, first.id]);
    expect(await store.get('not-a-uuid')).toBeUndefined();
    expect(await store.get(randomUUID())).toBeUndefined();
  });

  it('when one approval is needed, then the approval makes the grant active from then for its duration', async () => {
    const request = await store.create(newRequest());
    const result = await store.approve(request.id, { approverId: 'corp:bob', comment: 'ok', at: T0 + 5 * MIN, needed: 1 });
    expect(result).toMatchObject({ ok: true, from: 'pending', moved: true });
    if (!result.ok) return;
    expect(result.record).toMatchObject({
      state: 'active',
      decidedAt: T0 + 5 * MIN,
      decidedBy: 'corp:bob',
      decisionComment: 'ok',
      activatedAt: T0 + 5 * MIN,
      startsAt: T0 + 5 * MIN,
      endsAt: T0 + 65 * MIN,
      approvals: [{ approverId: 'corp:bob', at: T0 + 5 * MIN, comment: 'ok' }],
    });
    expect(await store.listGrants(T0 + 6 * MIN)).toContainEqual({
      id: request.id,
      principalId: request.principalId,
      roleId: request.roleId,
      startsAt: T0 + 5 * MIN,
      endsAt: T0 + 65 * MIN,
    });
    // Deciding again, either way, is refused: the request is no longer pending.
    expect(await store.approve(request.id, { approverId: 'corp:dave', at: T0 + 6 * MIN, needed: 1 })).toMatchObject({
      ok: false,
      refusal: 'wrong_state',
    });
    expect(await store.deny(request.id, { approverId: 'corp:dave', at: T0 + 6 * MIN })).toMatchObject({
      ok: false,
      refusal: 'wrong_state',
    });
  });

  it('when two approvals are needed, then the first is kept, the same approver again is refused, and a second approver decides', async () => {
    const request = await store.create(newRequest({ policy: policy({ approvalsNeeded: 2 }) }));
    const first = await store.approve(request.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 2 });
    expect(first).toMatchObject({ ok: true, moved: false, record: { state: 'pending' } });
    expect(await store.approve(request.id, { approverId: 'corp:bob', at: T0 + 2 * MIN, needed: 2 })).toMatchObject({
      ok: false,
      refusal: 'already_approved',
    });
    const second = await store.approve(request.id, { approverId: 'corp:dave', at: T0 + 3 * MIN, needed: 2 });
    expect(second).toMatchObject({ ok: true, moved: true, record: { state: 'active', endsAt: T0 + 63 * MIN } });
    if (second.ok) expect(second.record.approvals.map((a) => a.approverId)).toEqual(['corp:bob', 'corp:dave']);
  });

  it('when several approvers decide the same request at once, then exactly one decision is made', async () => {
    for (let round = 0; round < 3; round++) {
      const request = await store.create(newRequest());
      const results = await Promise.all([
        store.approve(request.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 }),
        store.approve(request.id, { approverId: 'corp:dave', at: T0 + MIN, needed: 1 }),
        store.deny(request.id, { approverId: 'corp:erin', at: T0 + MIN }),
        store.approve(request.id, { approverId: 'corp:frank', at: T0 + MIN, needed: 1 }),
      ]);
      expect(results.filter((r) => r.ok && r.moved)).toHaveLength(1);
      expect(results.flatMap((r) => (r.ok ? [] : [r.refusal]))).toEqual(['wrong_state', 'wrong_state', 'wrong_state']);
      const stored = await store.get(request.id);
      expect(['active', 'denied']).toContain(stored?.state);
      expect(stored?.approvals.length).toBe(stored?.state === 'active' ? 1 : 0);
    }
  });

  it('when a pending request is decided after its expiry, then it is refused as expired and marked expired_unanswered', async () => {
    const request = await store.create(newRequest());
    const late = await store.approve(request.id, { approverId: 'corp:bob', at: T0 + 60 * MIN, needed: 1 });
    expect(late).toMatchObject({ ok: false, refusal: 'expired', expiredNow: true, record: { state: 'expired_unanswered' } });
    expect(await store.deny(request.id, { approverId: 'corp:bob', at: T0 + 61 * MIN })).toMatchObject({
      ok: false,
      refusal: 'wrong_state',
    });
  });

  it('when time advances, then pending requests expire unanswered, late starts activate and grants expire, each once', async () => {
    const unanswered = await store.create(newRequest({ expiresAt: T0 + 10 * MIN }));
    const later = await store.create(newRequest({ startsAt: T0 + 30 * MIN, expiresAt: T0 + 29 * MIN }));
    const approvedLater = await store.approve(later.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 });
    expect(approvedLater).toMatchObject({ ok: true, record: { state: 'approved', startsAt: T0 + 30 * MIN, endsAt: T0 + 90 * MIN } });
    // An approved grant that has not started is loaded too (the index checks its start).
    expect((await store.listGrants(T0 + 2 * MIN)).map((g) => g.id)).toContain(later.id);

    const atHalf = await store.advance(T0 + 30 * MIN);
    const mine = atHalf.filter((m) => m.record.id === unanswered.id || m.record.id === later.id);
    expect(mine.map((m) => [m.record.id, m.from, m.record.state])).toEqual([
      [unanswered.id, 'pending', 'expired_unanswered'],
      [later.id, 'approved', 'active'],
    ]);
    expect((await store.advance(T0 + 30 * MIN)).filter((m) => m.record.id === unanswered.id || m.record.id === later.id)).toEqual([]);

    const atEnd = await Promise.all([store.advance(T0 + 90 * MIN), store.advance(T0 + 90 * MIN)]);
    const ended = atEnd.flat().filter((m) => m.record.id === later.id);
    expect(ended).toHaveLength(1);
    expect(ended[0]?.record).toMatchObject({ state: 'expired', endReason: 'expired', endedAt: T0 + 90 * MIN });
    expect((await store.listGrants(T0 + 90 * MIN)).map((g) => g.id)).not.toContain(later.id);
  });

  it('when the requester cancels, then only their own request moves; an admin revokes an active grant once', async () => {
    const pending = await store.create(newRequest());
    expect(await store.cancel(pending.id, { principalId: 'corp:mallory', at: T0 + MIN })).toMatchObject({
      ok: false,
      refusal: 'not_found',
    });
    expect(await store.cancel(pending.id, { principalId: pending.principalId, at: T0 + MIN })).toMatchObject({
      ok: true,
      from: 'pending',
      record: { state: 'cancelled' },
    });

    const active = await store.create(newRequest());
    await store.approve(active.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 });
    const cancelled = await store.cancel(active.id, { principalId: active.principalId, at: T0 + 2 * MIN });
    expect(cancelled).toMatchObject({
      ok: true,
      from: 'active',
      record: { state: 'cancelled', endReason: 'cancelled', endedAt: T0 + 2 * MIN },
    });

    const revoked = await store.create(newRequest());
    await store.approve(revoked.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 });
    const both = await Promise.all([
      store.revoke(revoked.id, { actorId: 'corp:root', reason: 'incident over', at: T0 + 3 * MIN }),
      store.revoke(revoked.id, { actorId: 'corp:root2', reason: 'incident over', at: T0 + 3 * MIN }),
    ]);
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    expect(await store.get(revoked.id)).toMatchObject({ state: 'revoked', endReason: 'incident over', endedAt: T0 + 3 * MIN });
    expect(await store.revoke(pending.id, { actorId: 'corp:root', reason: 'x', at: T0 })).toMatchObject({
      ok: false,
      refusal: 'wrong_state',
    });
  });

  it('when a request is auto-approved, then it is stored active at once and says so', async () => {
    const request = await store.create(newRequest({ autoApprovedBy: 'corp:alice' }));
    expect(request).toMatchObject({ state: 'active', autoApproved: true, activatedAt: T0, endsAt: T0 + 60 * MIN, decidedBy: 'corp:alice' });
  });

  it('when requests are listed by state and role, then only those come back', async () => {
    const roleId = randomUUID();
    const a = await store.create(newRequest({ roleId }));
    const b = await store.create(newRequest({ roleId }));
    await store.deny(b.id, { approverId: 'corp:bob', at: T0 + MIN });
    expect((await store.list({ roleIds: [roleId], states: ['pending'], limit: 10 })).map((r) => r.id)).toEqual([a.id]);
    expect((await store.list({ roleIds: [roleId], limit: 10 })).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
  });
});

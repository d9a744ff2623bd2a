import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PrismaAccessRequestStore } from '../../src/adapters/db/prisma-access-request-store.js';
import type { ApprovalPolicy } from '../../src/domain/access-model.js';
import type { NewAccessRequest, StoredChange } from '../../src/ports/access-request-store.js';
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
  const createOne = async (request: NewAccessRequest) => {
    const [record] = await store.create([request]);
    if (record === undefined) throw new Error('nothing created');
    return record;
  };
  const auditOf = async (accessRequestId: string) =>
    (
      await database.prisma.$queryRawUnsafe<{ type: string; details: { accessRequestId?: string; from?: string } }[]>(
        `SELECT type, details FROM audit_events WHERE details->>'accessRequestId' = $1 ORDER BY id`,
        accessRequestId,
      )
    ).map((row) => [row.type, row.details.from ?? null]);
  const eventFor = (type: string) => (change: StoredChange) => [
    { type, outcome: 'success' as const, details: { accessRequestId: change.record.id, ...(change.from ? { from: change.from } : {}) } },
  ];
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
    const first = await createOne(newRequest({ principalId, ticket: 'OPS-1' }));
    const second = await createOne(newRequest({ principalId, now: T0 + MIN, expiresAt: T0 + 61 * MIN }));
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
    const request = await createOne(newRequest());
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
    const request = await createOne(newRequest({ policy: policy({ approvalsNeeded: 2 }) }));
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
      const request = await createOne(newRequest());
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
    const request = await createOne(newRequest());
    const late = await store.approve(request.id, { approverId: 'corp:bob', at: T0 + 60 * MIN, needed: 1 });
    expect(late).toMatchObject({ ok: false, refusal: 'expired', expiredNow: true, record: { state: 'expired_unanswered' } });
    expect(await store.deny(request.id, { approverId: 'corp:bob', at: T0 + 61 * MIN })).toMatchObject({
      ok: false,
      refusal: 'wrong_state',
    });
  });

  it('when time advances, then pending requests expire unanswered, late starts activate and grants expire, each once', async () => {
    const unanswered = await createOne(newRequest({ expiresAt: T0 + 10 * MIN }));
    const later = await createOne(newRequest({ startsAt: T0 + 30 * MIN, expiresAt: T0 + 29 * MIN }));
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
    const pending = await createOne(newRequest());
    expect(await store.cancel(pending.id, { principalId: 'corp:mallory', at: T0 + MIN })).toMatchObject({
      ok: false,
      refusal: 'not_found',
    });
    expect(await store.cancel(pending.id, { principalId: pending.principalId, at: T0 + MIN })).toMatchObject({
      ok: true,
      from: 'pending',
      record: { state: 'cancelled' },
    });

    const active = await createOne(newRequest());
    await store.approve(active.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 });
    const cancelled = await store.cancel(active.id, { principalId: active.principalId, at: T0 + 2 * MIN });
    expect(cancelled).toMatchObject({
      ok: true,
      from: 'active',
      record: { state: 'cancelled', endReason: 'cancelled', endedAt: T0 + 2 * MIN },
    });

    const revoked = await createOne(newRequest());
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
    const request = await createOne(newRequest({ autoApprovedBy: 'corp:alice' }));
    expect(request).toMatchObject({ state: 'active', autoApproved: true, activatedAt: T0, endsAt: T0 + 60 * MIN, decidedBy: 'corp:alice' });
  });

  it('when requests are listed by state and role, then only those come back', async () => {
    const roleId = randomUUID();
    const a = await createOne(newRequest({ roleId }));
    const b = await createOne(newRequest({ roleId }));
    await store.deny(b.id, { approverId: 'corp:bob', at: T0 + MIN });
    expect((await store.list({ roleIds: [roleId], states: ['pending'], limit: 10 })).map((r) => r.id)).toEqual([a.id]);
    expect((await store.list({ roleIds: [roleId], limit: 10 })).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('when requests are created together, then they share the batch id, and one that cannot be stored leaves none stored', async () => {
    const batchId = randomUUID();
    const principalId = `corp:${randomUUID()}`;
    const made = await store.create(
      [newRequest({ principalId, batchId }), newRequest({ principalId, batchId })],
      eventFor('access_request.create'),
    );
    expect(made.map((r) => r.batchId)).toEqual([batchId, batchId]);
    for (const r of made) expect(await auditOf(r.id)).toEqual([['access_request.create', null]]);
    const clash = newRequest({ principalId });
    await expect(store.create([clash, { ...newRequest({ principalId }), id: clash.id }])).rejects.toThrow();
    expect(await store.get(clash.id)).toBeUndefined();
    expect(await store.list({ principalId, limit: 10 })).toHaveLength(2);
  });

  it('when a transition commits, then its audit rows are in the same transaction; when they cannot be written, nothing moves', async () => {
    const request = await createOne(newRequest());
    const failing = () => {
      throw new Error('the audit row cannot be built');
    };
    await expect(store.approve(request.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 }, failing)).rejects.toThrow(
      /cannot be built/,
    );
    expect(await store.get(request.id)).toMatchObject({ state: 'pending', approvals: [] });
    expect(await auditOf(request.id)).toEqual([]);

    const approved = await store.approve(
      request.id,
      { approverId: 'corp:bob', at: T0 + MIN, needed: 1 },
      eventFor('access_request.approve'),
    );
    expect(approved).toMatchObject({ ok: true, record: { state: 'active' } });
    await store.revoke(request.id, { actorId: 'corp:root', reason: 'done', at: T0 + 2 * MIN }, eventFor('access_grant.end'));
    // A refused transition writes nothing.
    await store.revoke(request.id, { actorId: 'corp:root', reason: 'again', at: T0 + 3 * MIN }, eventFor('access_grant.end'));
    expect(await auditOf(request.id)).toEqual([
      ['access_request.approve', 'pending'],
      ['access_grant.end', 'active'],
    ]);

    const late = await createOne(newRequest({ expiresAt: T0 + MIN }));
    expect(await store.deny(late.id, { approverId: 'corp:bob', at: T0 + 2 * MIN }, eventFor('access_request.expire'))).toMatchObject({
      refusal: 'expired',
    });
    expect(await auditOf(late.id)).toEqual([['access_request.expire', 'pending']]);
    const swept = await createOne(newRequest({ expiresAt: T0 + MIN }));
    await store.advance(T0 + 2 * MIN, eventFor('access_request.expire'));
    expect(await auditOf(swept.id)).toEqual([['access_request.expire', 'pending']]);
  });

  it('when a grant’s eligible mapping no longer exists, then endOrphaned revokes it once as mapping_removed, audited; pending ones stay', async () => {
    // The mapping ids of newRequest() are random: no group_mappings row has them, so every open grant here is orphaned.
    const active = await createOne(newRequest());
    await store.approve(active.id, { approverId: 'corp:bob', at: T0 + MIN, needed: 1 });
    const pending = await createOne(newRequest());
    const both = await Promise.all([
      store.endOrphaned(T0 + 2 * MIN, 'corp:root', eventFor('access_grant.end')),
      store.endOrphaned(T0 + 2 * MIN, 'corp:root', eventFor('access_grant.end')),
    ]);
    const mine = both.flat().filter((c) => c.record.id === active.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ from: 'active', record: { state: 'revoked', endReason: 'mapping_removed', endedBy: 'corp:root' } });
    expect(await auditOf(active.id)).toEqual([['access_grant.end', 'active']]);
    expect((await store.get(pending.id))?.state).toBe('pending');
    expect((await store.countByState()).revoked).toBeGreaterThanOrEqual(1);
  });
});

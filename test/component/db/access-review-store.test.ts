import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../../src/adapters/db/database.js';
import { PgAccessReviewStore } from '../../../src/adapters/db/pg-access-review-store.js';
import { noSurfaces } from '../../../src/domain/access-usage.js';
import type { NewReviewEntry } from '../../../src/ports/access-review-store.js';
import { captureLogs } from '../../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';

/** Two rolegate instances (two pools) deciding the same entries at once: each entry gets one decision, and one audit row. */
let testDb: TestDatabase;
let one: Database;
let two: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const open = () => connectDatabase({ url: testDb.url, poolSize: 4, connectTimeoutMs: 5000, logger: captureLogs().logger });
  [one, two] = await Promise.all([open(), open()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
  await testDb.drop();
});

const ROLE = 'arn:aws:iam::111111111111:role/Developer';
const entry = (i: number): NewReviewEntry => ({
  kind: 'user',
  principalId: `corp:u${String(i)}`,
  group: 'dev',
  mappingKey: `* exact dev → ${ROLE}`,
  mapping: { group: 'dev', match: 'exact', role: ROLE, requireMfa: false, allowedCidrs: [], breakGlass: false, access: 'standing' },
  accountId: '111111111111',
  roleArn: ROLE,
  owners: ['owners'],
  uses: i,
  lastUsedAt: null,
  surfaces: noSurfaces(),
});

describe('access review store (PostgreSQL, two instances)', () => {
  it('when two instances decide each of 20 entries at once, then exactly one decision per entry is stored and audited', async () => {
    const a = new PgAccessReviewStore(one);
    const b = new PgAccessReviewStore(two);
    const id = randomUUID();
    const audit = (type: string) => ({ type, outcome: 'success' as const, subject: 'corp:admin', details: { reviewId: id } });
    await a.open(
      { id, scopeKind: 'role', scopeValue: ROLE, sinceDays: 90, openedBy: 'corp:admin' },
      Array.from({ length: 20 }, (_, i) => entry(i)),
      audit('admin.review.open'),
    );
    const races = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        Promise.all([
          a.decide(id, i + 1, { decision: 'confirm', decidedBy: 'corp:ann' }, audit('review.decide')),
          b.decide(id, i + 1, { decision: 'remove', decidedBy: 'corp:bob' }, audit('review.decide')),
        ]),
      ),
    );
    for (const [x, y] of races) expect([x.decided, y.decided].filter(Boolean)).toHaveLength(1);
    const entries = await a.entries(id, 0, 100);
    expect(entries.every((e) => e.decision !== null && e.decidedBy !== null && e.decidedAt !== null)).toBe(true);
    const rows = await one.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'review.decide' AND details->>'reviewId' = $1`,
      [id],
    );
    expect(rows[0]?.n).toBe(20);
    expect((await a.get(id))?.decided).toBe(20);
    // Closed once; a second close (from the other instance) and any later decision are refused.
    expect(await b.close(id, 'corp:admin', audit('admin.review.close'))).toBe(true);
    expect(await a.close(id, 'corp:admin', audit('admin.review.close'))).toBe(false);
  });

  it('when a decision is asked of a closed review, then nothing is written', async () => {
    const store = new PgAccessReviewStore(one);
    const id = randomUUID();
    const audit = { type: 'x', outcome: 'success' as const };
    await store.open({ id, scopeKind: 'group', scopeValue: 'dev', sinceDays: 30, openedBy: 'corp:admin' }, [entry(1)], audit);
    await store.close(id, 'corp:admin', audit);
    expect(await store.decide(id, 1, { decision: 'remove', decidedBy: 'corp:ann' }, audit)).toEqual({ decided: false });
    expect((await store.entry(id, 1))?.decision).toBeNull();
  });

  it('when an owner asks what waits for them, then only undecided entries of open reviews naming one of their groups come, paged', async () => {
    const store = new PgAccessReviewStore(one);
    const audit = { type: 'x', outcome: 'success' as const };
    const open = async (owners: string[], n: number) => {
      const id = randomUUID();
      await store.open(
        { id, scopeKind: 'role', scopeValue: ROLE, sinceDays: 30, openedBy: 'corp:admin' },
        Array.from({ length: n }, (_, i) => ({ ...entry(i), owners })),
        audit,
      );
      return id;
    };
    const mine = await open(['team-a', 'team-b'], 5);
    const others = await open(['team-c'], 3);
    const closed = await open(['team-a'], 2);
    await store.close(closed, 'corp:admin', audit);
    await store.decide(mine, 2, { decision: 'confirm', decidedBy: 'corp:ann' }, audit);
    const all = await store.waitingFor(['team-b', 'unrelated'], undefined, 100);
    expect(all.map((e) => `${e.review.id === mine ? 'mine' : 'other'}:${String(e.position)}`)).toEqual([
      'mine:1',
      'mine:3',
      'mine:4',
      'mine:5',
    ]);
    expect(all[0]?.review).toMatchObject({ id: mine, scopeKind: 'role', scopeValue: ROLE, openedBy: 'corp:admin' });
    const first = await store.waitingFor(['team-a'], undefined, 2);
    const rest = await store.waitingFor(['team-a'], { reviewId: mine, position: first.at(-1)?.position ?? 0 }, 10);
    expect([...first, ...rest].map((e) => e.position)).toEqual([1, 3, 4, 5]);
    expect(await store.waitingFor([], undefined, 10)).toEqual([]);
    expect((await store.waitingFor(['team-c'], undefined, 10)).map((e) => e.review.id)).toEqual([others, others, others]);
  });
});

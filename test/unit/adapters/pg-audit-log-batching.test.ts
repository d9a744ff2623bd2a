import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PgAuditLog } from '../../../src/adapters/db/pg-audit-log.js';

/** A database whose INSERTs finish only when the test says so; it records the rows of each. */
function heldDatabase() {
  const inserts: { rows: { request_id: string }[]; finish: () => void }[] = [];
  return {
    inserts,
    database: {
      query: (_sql: string, params: readonly unknown[] = []) =>
        new Promise<never[]>((resolve) => {
          inserts.push({ rows: JSON.parse(String(params[0])) as { request_id: string }[], finish: () => resolve([]) });
        }),
    },
  };
}

const event = (requestId: string) => ({ type: 'credentials.issue', outcome: 'success' as const, requestId });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PgAuditLog group commit', () => {
  it('when events arrive while an INSERT commits, then they wait and go together into the next one', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database, { maxInFlight: 2, overlapAt: 32 });
    const first = log.record(event('a'));
    const waiting = [log.record(event('b')), log.record(event('c'))];
    await settle();
    expect(inserts.map((i) => i.rows.map((r) => r.request_id))).toEqual([['a']]);
    inserts[0]?.finish();
    await first;
    await settle();
    expect(inserts.map((i) => i.rows.map((r) => r.request_id))).toEqual([['a'], ['b', 'c']]);
    inserts[1]?.finish();
    await Promise.all(waiting);
  });

  it('when a backlog of overlapAt events builds up, then a second INSERT starts beside the first, and no more', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database, { maxInFlight: 2, overlapAt: 4 });
    const recorded = Array.from({ length: 12 }, (_, i) => log.record(event(`r${String(i)}`)));
    await settle();
    expect(inserts.map((i) => i.rows.length)).toEqual([1, 4]);
    for (const insert of inserts) insert.finish();
    await settle();
    // The rest went together once a writer was free.
    expect(inserts.map((i) => i.rows.length)).toEqual([1, 4, 7]);
    inserts[2]?.finish();
    await Promise.all(recorded);
  });

  it('when events are recorded together on an idle log, then they go in one INSERT and each resolves', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database);
    const recorded = log.recordAll([event('outcome'), event('grant')]);
    await settle();
    expect(inserts.map((i) => i.rows.map((r) => r.request_id))).toEqual([['outcome', 'grant']]);
    inserts[0]?.finish();
    await expect(Promise.all(recorded)).resolves.toEqual([undefined, undefined]);
  });

  it('when an INSERT of events recorded together fails, then each is refused with 503 naming the audit log', async () => {
    const log = new PgAuditLog({ query: () => Promise.reject(new Error('connection terminated')) }, { commitTimeoutMs: 10_000 });
    const outcomes = await Promise.allSettled(log.recordAll([event('outcome'), event('grant')]));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(outcome.status === 'rejected' ? outcome.reason : undefined).toMatchObject({
        code: 'dependency_unavailable',
        status: 503,
        detail: 'The audit log (PostgreSQL) is unavailable; try again shortly',
      });
    }
  });

  it('when nothing else is waiting, then a single event is written at once', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database);
    const recorded = log.record(event('alone'));
    await settle();
    expect(inserts).toHaveLength(1);
    inserts[0]?.finish();
    await expect(recorded).resolves.toBeUndefined();
  });
});

describe('PgAuditLog when PostgreSQL cannot commit', () => {
  const refusal = { code: 'dependency_unavailable', status: 503, headers: { 'Retry-After': '5' } };

  // Time is driven by fake timers: the deadlines are what is tested, not how busy the machine is.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when an INSERT never finishes, then every record waiting on it or behind it is refused within commitTimeoutMs, and the queued ones are never written', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database, { maxInFlight: 1, commitTimeoutMs: 200 });
    const inFlight = log.record(event('in-flight'));
    await settle();
    const queued = [log.record(event('q1')), log.record(event('q2'))];
    const outcomes = Promise.allSettled([inFlight, ...queued]);
    let answered = false;
    void outcomes.then(() => (answered = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of settled) expect(outcome.status === 'rejected' ? outcome.reason : undefined).toMatchObject(refusal);
    expect(log.queued).toBe(0);
    // The stuck INSERT ends at last: the refused rows behind it are not written after the fact.
    inserts[0]?.finish();
    await settle();
    await settle();
    expect(inserts.map((i) => i.rows.map((r) => r.request_id))).toEqual([['in-flight']]);
  });

  it('when records arrive while others time out, then each is refused at its own deadline, not its neighbours’', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database, { maxInFlight: 1, commitTimeoutMs: 300 });
    const first = log.record(event('first'));
    const firstRefused = expect(first).rejects.toMatchObject(refusal);
    await vi.advanceTimersByTimeAsync(150);
    const later = log.record(event('later'));
    await vi.advanceTimersByTimeAsync(150);
    await firstRefused;
    // "later" still has 150 ms: once the stuck INSERT ends, it is written and resolves.
    inserts[0]?.finish();
    await settle();
    expect(inserts.map((i) => i.rows.map((r) => r.request_id))).toEqual([['first'], ['later']]);
    inserts[1]?.finish();
    await expect(later).resolves.toBeUndefined();
  });

  it('when maxQueued events already wait, then the next record is refused at once with 503 and Retry-After', async () => {
    const { database, inserts } = heldDatabase();
    const log = new PgAuditLog(database, { maxInFlight: 1, maxQueued: 3, commitTimeoutMs: 10_000 });
    const accepted = [log.record(event('a'))];
    await settle();
    for (const id of ['b', 'c', 'd']) accepted.push(log.record(event(id)));
    expect(log.queued).toBe(3);
    await expect(log.record(event('one too many'))).rejects.toMatchObject(refusal);
    inserts[0]?.finish();
    await settle();
    inserts[1]?.finish();
    await Promise.all(accepted);
    expect(inserts.flatMap((i) => i.rows.map((r) => r.request_id))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('when an INSERT fails, then its records are refused at once (503 naming the audit log), without waiting for the deadline', async () => {
    const log = new PgAuditLog(
      { query: () => Promise.reject(new Error('the database system is starting up')) },
      { commitTimeoutMs: 10_000 },
    );
    const startedAt = performance.now();
    const refused: unknown = await log.record(event('x')).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'dependency_unavailable',
      status: 503,
      detail: 'The audit log (PostgreSQL) is unavailable; try again shortly',
      cause: { message: 'the database system is starting up' },
    });
    expect(performance.now() - startedAt).toBeLessThan(100);
  });
});

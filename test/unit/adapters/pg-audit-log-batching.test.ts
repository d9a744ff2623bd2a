import { describe, expect, it } from 'vitest';
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

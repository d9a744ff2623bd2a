import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/db/database.js';
import { PgAuditLog } from '../../src/adapters/db/pg-audit-log.js';
import { databaseImplementations } from '../support/database-implementations.js';

const implementations = databaseImplementations();

describe.each(implementations)('AuditLog contract: $name', ({ create }) => {
  let database: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ database, close } = await create());
  });
  afterAll(async () => {
    await close();
  });

  const rowsOf = (requestId: string) => database.prisma.auditEvent.findMany({ where: { requestId }, orderBy: { id: 'asc' } });

  it('when an event is recorded, then it is stored with an id and time and reads back unchanged', async () => {
    const log = new PgAuditLog(database);
    const event = {
      type: 'credentials.issue',
      outcome: 'success' as const,
      subject: 'corp:alice',
      idp: 'corp',
      groups: ['aws-dev', 'aws-readonly'],
      accountId: '111122223333',
      roleArn: 'arn:aws:iam::111122223333:role/Developer',
      mode: 'saml',
      durationSeconds: 3600,
      sourceIp: '10.0.0.7',
      userAgent: 'aws-cli/2.9.19',
      requestId: 'req-1',
      details: { sessionName: 'alice', accessKeyIdPrefix: 'ASIA1234' },
    };
    await log.record(event);
    const [row, ...more] = await rowsOf('req-1');
    expect(more).toEqual([]);
    expect(row?.id).toBeGreaterThan(0n);
    expect(row?.at).toBeInstanceOf(Date);
    // Every field as given, in Prisma's names (the same as the event's), nothing else set.
    expect(row).toMatchObject({ ...event, reason: null });
  });

  it('when an event has only a type and outcome, then the rest is stored empty', async () => {
    const log = new PgAuditLog(database);
    await log.record({ type: 'login', outcome: 'denied', reason: 'assertion expired', requestId: 'req-sparse' });
    const [row] = await rowsOf('req-sparse');
    expect(row).toMatchObject({ type: 'login', outcome: 'denied', reason: 'assertion expired', subject: null, groups: [], details: null });
  });

  it('when events are recorded one after the other, then ids increase (append-only order)', async () => {
    const log = new PgAuditLog(database);
    await log.record({ type: 'login', outcome: 'denied', reason: 'assertion expired', requestId: 'order' });
    await log.record({ type: 'login', outcome: 'success', requestId: 'order' });
    const rows = await rowsOf('order');
    expect(rows.map((r) => r.outcome)).toEqual(['denied', 'success']);
  });

  it('when many events are recorded at once, then each resolves only once its own row is committed', async () => {
    const log = new PgAuditLog(database);
    const ids = Array.from({ length: 120 }, (_, i) => `batch-${String(i)}`);
    await Promise.all(
      ids.map(async (requestId) => {
        await log.record({ type: 'credentials.issue', outcome: 'success', requestId });
        // Read on another connection the moment this record resolves: the row must already be there.
        expect(await rowsOf(requestId)).toHaveLength(1);
      }),
    );
  });

  it('when the database refuses one event of a batch, then only that event is rejected', async () => {
    const log = new PgAuditLog(database);
    const results = await Promise.allSettled([
      log.record({ type: 'login', outcome: 'success', requestId: 'poison-ok-1' }),
      // Not an AuditOutcome: the database refuses this row.
      log.record({ type: 'login', outcome: 'maybe' as 'success', requestId: 'poison-bad' }),
      log.record({ type: 'login', outcome: 'success', requestId: 'poison-ok-2' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await rowsOf('poison-bad')).toEqual([]);
    expect(await rowsOf('poison-ok-2')).toHaveLength(1);
  });

  it('when an event carries a NUL character, then it is stored with a replacement character instead of failing', async () => {
    const log = new PgAuditLog(database);
    await log.record({
      type: 'credentials.issue',
      outcome: 'denied',
      reason: 'bad\u0000byte',
      details: { justification: 'x\u0000y' },
      requestId: 'nul',
    });
    const [row] = await rowsOf('nul');
    expect(row).toMatchObject({ reason: 'bad\ufffdbyte', details: { justification: 'x\ufffdy' } });
  });

  it('when one batch holds several people’s groups, shared, equal and odd, then every row keeps its own groups in their order', async () => {
    const log = new PgAuditLog(database);
    const wide = Object.freeze(Array.from({ length: 100 }, (_, i) => `team-${String(i).padStart(4, '0')}`));
    const odd = ['a,b', '"quoted"', '{braces}', 'back\\slash', 'NULL', '', 'spaced name', 'line\nbreak', 'ünïcødé'];
    const groupsOf = [wide, ['aws-dev'], wide, [...wide], [], odd, undefined, ['aws-dev'], ['z', 'a'], wide];
    await Promise.all(
      groupsOf.map((groups, i) => log.record({ type: 'login', outcome: 'success', requestId: `sets-${String(i)}`, groups })),
    );
    for (const [i, groups] of groupsOf.entries()) {
      const [row] = await rowsOf(`sets-${String(i)}`);
      expect(row?.groups, `row ${String(i)}`).toEqual(groups === undefined ? [] : [...groups]);
    }
  });

  it('when a text holds a backslash before "u0000" (not a NUL), then it is stored as written', async () => {
    const log = new PgAuditLog(database);
    await log.record({
      type: 'login',
      outcome: 'denied',
      reason: 'path C:\\u0000 and \\\u0000',
      groups: ['g\u0000h'],
      requestId: 'not-nul',
    });
    const [row] = await rowsOf('not-nul');
    expect(row).toMatchObject({ reason: 'path C:\\u0000 and \\\ufffd', groups: ['g\ufffdh'] });
  });

  it('when someone tries to rewrite an event, then the database refuses', async () => {
    const log = new PgAuditLog(database);
    await log.record({ type: 'login', outcome: 'success', requestId: 'rewrite' });
    const [row] = await rowsOf('rewrite');
    await expect(database.prisma.auditEvent.updateMany({ where: { id: row?.id ?? 0n }, data: { outcome: 'denied' } })).rejects.toThrow(
      /append-only/,
    );
  });
});

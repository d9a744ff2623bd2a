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

  it('when an event is recorded, then it is stored with an id and time and reads back unchanged', async () => {
    const log = new PgAuditLog(database);
    const recorded = await log.record({
      type: 'credentials.issue',
      outcome: 'success',
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
    });
    expect(recorded.id).toMatch(/^\d+$/);
    expect(recorded.at).toBeInstanceOf(Date);
    const row = await database.prisma.auditEvent.findUniqueOrThrow({ where: { id: BigInt(recorded.id) } });
    expect(row).toMatchObject({
      type: 'credentials.issue',
      outcome: 'success',
      groups: ['aws-dev', 'aws-readonly'],
      details: { sessionName: 'alice' },
    });
  });

  it('when an event is recorded twice, then ids increase (append-only order)', async () => {
    const log = new PgAuditLog(database);
    const first = await log.record({ type: 'login', outcome: 'denied', reason: 'assertion expired' });
    const second = await log.record({ type: 'login', outcome: 'success' });
    expect(BigInt(second.id)).toBeGreaterThan(BigInt(first.id));
  });

  it('when many events are recorded at once, then each resolves with its own committed row', async () => {
    const log = new PgAuditLog(database);
    const recorded = await Promise.all(
      Array.from({ length: 120 }, (_, i) => log.record({ type: 'credentials.issue', outcome: 'success', requestId: `batch-${String(i)}` })),
    );
    expect(new Set(recorded.map((r) => r.id)).size).toBe(120);
    const rows = await database.prisma.auditEvent.findMany({
      where: { requestId: { startsWith: 'batch-' } },
      select: { id: true, requestId: true },
    });
    const byId = new Map(rows.map((r) => [r.id.toString(), r.requestId]));
    for (const r of recorded) expect(byId.get(r.id)).toBe(r.requestId);
  });

  it('when the database refuses a write, then every event of that batch is rejected', async () => {
    const log = new PgAuditLog(database);
    // A NUL byte is not allowed in Postgres text: the INSERT fails as a whole.
    const results = await Promise.allSettled([log.record({ type: 'login', outcome: 'success', reason: 'bad\u0000byte' })]);
    expect(results[0].status).toBe('rejected');
    await expect(log.record({ type: 'login', outcome: 'success' })).resolves.toMatchObject({ type: 'login' });
  });

  it('when someone tries to rewrite an event, then the database refuses', async () => {
    const log = new PgAuditLog(database);
    const recorded = await log.record({ type: 'login', outcome: 'success' });
    await expect(database.prisma.auditEvent.update({ where: { id: BigInt(recorded.id) }, data: { outcome: 'denied' } })).rejects.toThrow(
      /append-only/,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventView, AuditPageResponse } from '../../src/contracts/admin.js';
import { startAuditRetention } from '../../src/features/admin/audit-retention.js';
import { systemClock } from '../../src/ports/clock.js';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';

describe('audit queries', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;

  const page = async (user: SignedIn, query: string) => {
    const res = await user.api(`/api/v1/admin/audit?${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as AuditPageResponse;
  };

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
    const ask = (user: SignedIn, body: Record<string, unknown>) => user.api('/api/v1/credentials', { method: 'POST', body });
    expect((await ask(alice, { accountId: SANDBOX, role: 'Developer' })).status).toBe(200);
    expect((await ask(alice, { accountId: SANDBOX, role: 'ReadOnly' })).status).toBe(200);
    expect((await ask(alice, { accountId: PROD, role: 'Admin' })).status).toBe(403);
    expect((await ask(bob, { accountId: PROD, role: 'Admin' })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when filtered by user, outcome, role, account and type, then only the matching events come back, newest first', async () => {
    const denied = await page(bob, 'user=demo:alice&outcome=denied');
    expect(denied.events).toHaveLength(1);
    expect(denied.events[0]).toMatchObject({
      type: 'credentials.issue',
      subject: 'demo:alice',
      roleArn: `arn:aws:iam::${PROD}:role/Admin`,
    });

    const byRoleName = await page(bob, 'role=Developer&type=credentials.issue');
    expect(byRoleName.events.map((e) => e.roleArn)).toEqual([`arn:aws:iam::${SANDBOX}:role/Developer`]);
    const byAccount = await page(bob, `account=${PROD}&type=credentials.issue&outcome=success`);
    expect(byAccount.events.map((e) => e.subject)).toEqual(['demo:bob']);
    const stsPrefix = await page(bob, 'type=sts.&user=demo:alice');
    expect(new Set(stsPrefix.events.map((e) => e.type))).toEqual(new Set(['sts.exchange.start', 'sts.exchange']));
    const all = await page(bob, 'limit=1000');
    const ids = all.events.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));

    const future = await page(bob, `from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.events).toEqual([]);
  });

  it('when an issuance is audited, then it records what CloudTrail shows: session name, SourceIdentity and the access key id prefix', async () => {
    const { events } = await page(bob, 'user=demo:alice&role=Developer&type=credentials.issue&outcome=success');
    expect(events[0]?.details).toMatchObject({
      sessionName: expect.stringMatching(/alice/) as unknown,
      sourceIdentity: expect.stringMatching(/alice/) as unknown,
      accessKeyIdPrefix: expect.stringMatching(/^ASIA[A-Z0-9]{8}$/) as unknown,
    });
  });

  it('when paging with limit and cursor, then the pages join up to the whole list without gaps or repeats', async () => {
    const whole = (await page(bob, 'limit=1000')).events.map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const next: AuditPageResponse = await page(bob, `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(next.events.length).toBeLessThanOrEqual(3);
      seen.push(...next.events.map((e) => e.id));
      cursor = next.nextCursor;
    } while (cursor);
    expect(seen).toEqual(whole);
  });

  it('when exported as JSON lines, then every matching event is one JSON line; an auditor may read it too', async () => {
    const res = await alice.api('/api/v1/admin/audit?user=demo:alice', { headers: { accept: 'application/x-ndjson' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text()).trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l) as AuditEventView);
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(events.every((e) => e.subject === 'demo:alice')).toBe(true);
    const viaQuery = await (await bob.api('/api/v1/admin/audit?user=demo:alice&format=jsonl')).text();
    expect(viaQuery.trimEnd().split('\n')).toHaveLength(lines.length);
  });

  it('when the query is malformed, then it is 400 with what is wrong', async () => {
    // A cursor of the id alone (before the trail was partitioned by time) is refused like any other stranger.
    const idOnlyCursor = Buffer.from(JSON.stringify({ v: 1, id: '5' })).toString('base64url');
    for (const query of ['cursor=bogus', `cursor=${idOnlyCursor}`, 'from=yesterday', 'outcome=maybe', 'limit=0', 'colour=blue']) {
      const res = await bob.api(`/api/v1/admin/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('when retention is configured, then events older than it are deleted and newer ones kept', async () => {
    const prisma = world.app.t.deps.database.prisma;
    const old = await prisma.auditEvent.create({
      data: { type: 'test.old', outcome: 'success', at: new Date(Date.now() - 40 * 86_400_000) },
    });
    const recent = await prisma.auditEvent.create({
      data: { type: 'test.recent', outcome: 'success', at: new Date(Date.now() - 10 * 86_400_000) },
    });
    const sweep = startAuditRetention(
      { query: world.app.t.deps.admin.auditQuery, clock: systemClock, logger: world.app.t.logs.logger },
      30,
    );
    await sweep.first;
    sweep.stop();
    expect(await prisma.auditEvent.findFirst({ where: { id: old.id } })).toBeNull();
    expect(await prisma.auditEvent.findFirst({ where: { id: recent.id } })).not.toBeNull();
  });
});

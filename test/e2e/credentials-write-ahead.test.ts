import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { auditRows } from '../support/login-app.js';

// The assertion (or token) of a cold exchange is minted while its write-ahead audit row
// commits: whatever the mode, STS must still hear nothing until that row is committed.
// PostgreSQL itself refuses the row here (a trigger), every STS call goes through a counting proxy.
let world: ExchangeWorld;
let proxy: FaultProxy;
let alice: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld(async (devstack) => {
    proxy = await FaultProxy.start(devstack.stsUrl);
    return { ROLEGATE_STS_ENDPOINT: proxy.url };
  });
  alice = await world.signIn('alice');
}, 90_000);
afterAll(async () => {
  await world.close();
  await proxy.close();
});

async function ask(body: Record<string, unknown>) {
  const res = await alice.api('/api/v1/credentials', { method: 'POST', body });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, unknown> };
}

/** While it lasts, PostgreSQL refuses every write-ahead row (and only those). */
async function refusingWriteAheadRows<T>(run: () => Promise<T>): Promise<T> {
  const prisma = world.app.t.deps.database.prisma;
  await prisma.$executeRawUnsafe(
    `CREATE OR REPLACE FUNCTION test_refuse_write_ahead() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'write-ahead refused by the test'; END $$`,
  );
  await prisma.$executeRawUnsafe(
    `CREATE TRIGGER test_refuse_write_ahead BEFORE INSERT ON audit_events FOR EACH ROW WHEN (NEW.type = 'sts.exchange.start') EXECUTE FUNCTION test_refuse_write_ahead()`,
  );
  try {
    return await run();
  } finally {
    await prisma.$executeRawUnsafe(`DROP TRIGGER test_refuse_write_ahead ON audit_events`);
  }
}

describe('the write-ahead audit row of a cold exchange', () => {
  it.each([
    ['saml', 'Developer'],
    ['web-identity', 'WebIdentityDeveloper'],
    ['assume-role', 'BrokerDeveloper'],
  ])(
    'when PostgreSQL refuses it (%s), then the answer is 503 with Retry-After, STS is never called, and the next request exchanges',
    async (_mode, role) => {
      const forwardedBefore = proxy.forwarded;
      const answer = await refusingWriteAheadRows(() => ask({ alias: 'sandbox', role }));
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ code: 'dependency_unavailable' });
      expect(answer.json.credentials).toBeUndefined();
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(proxy.forwarded).toBe(forwardedBefore);
      // Nothing was started, so nothing was completed either.
      const completed = (await auditRows(world.app.t, 'sts.exchange')).filter((row) => row.roleArn?.endsWith(`/${role}`));
      expect(completed).toHaveLength(0);

      const next = await ask({ alias: 'sandbox', role });
      expect(next.status).toBe(200);
      expect(next.json.cached).toBe(false);
      expect(proxy.forwarded).toBe(forwardedBefore + 1);
    },
  );
});

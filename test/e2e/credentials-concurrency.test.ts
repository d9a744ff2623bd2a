import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import { startSecondInstance } from '../support/app.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { auditRows } from '../support/login-app.js';

// Two rolegate instances sharing PostgreSQL and Redis, behind which every STS
// call goes through a counting proxy.
let world: ExchangeWorld;
let proxy: FaultProxy;
let second: Awaited<ReturnType<typeof startSecondInstance>>;
let alice: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld(async (devstack) => {
    proxy = await FaultProxy.start(devstack.stsUrl);
    return { ROLEGATE_STS_ENDPOINT: proxy.url };
  });
  second = await startSecondInstance(world.app.t);
  alice = await world.signIn('alice');
}, 90_000);
afterAll(async () => {
  await second.close();
  await world.close();
  await proxy.close();
});

describe('one STS call for many concurrent requests', () => {
  it('when 200 requests for the same (user, role) hit two instances at once, then exactly one STS call is made and all get the same credentials', async () => {
    const before = proxy.forwarded;
    const ask = (base: string) =>
      alice.browser
        .request(`${base}/api/v1/credentials`, {
          method: 'POST',
          body: JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: 5400 }),
          headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken },
        })
        .then(async (res) => ({ status: res.status, body: (await res.json()) as CredentialsResponse }));
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => ask(i % 2 === 0 ? world.app.url : second.url)));
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(200));
    expect(new Set(answers.map((a) => a.body.credentials.accessKeyId)).size).toBe(1);
    expect(proxy.forwarded - before).toBe(1);
    expect((await auditRows(world.app.t, 'sts.exchange.start')).length).toBe(1);
    // Every answer is a grant with its own audit row.
    expect((await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.outcome === 'success').length).toBe(200);
  });

  it('when STS throttles the one exchange, then it is retried and everyone still gets one set of credentials', async () => {
    proxy.faults.push({ status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const before = proxy.forwarded;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'sandbox', role: 'ReadOnly' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(proxy.forwarded - before).toBe(1);
    expect(proxy.answeredWithFault).toBeGreaterThanOrEqual(1);
  });

  it('when STS keeps failing beyond the retry budget, then every waiting request gets 503 with Retry-After and nothing is cached', async () => {
    for (let i = 0; i < 200; i++) proxy.faults.push({ status: 503, code: 'ServiceUnavailable', message: 'down' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: '222222222222', role: 'ReadOnly' } }),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).not.toBeNull();
        expect(await answer.json()).toMatchObject({ code: 'dependency_unavailable' });
      }
    } finally {
      proxy.faults.length = 0;
    }
  }, 30_000);
});

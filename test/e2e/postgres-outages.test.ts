import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { PrivatePostgres, startingUpServer } from '../support/private-postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

// rolegate on a PostgreSQL cluster of this file's own, reached through a proxy
// the test can pause (a stalled network path or server), and which the test
// crashes and starts again. However PostgreSQL fails, a credentials request
// is answered within the stated bound (docs/operations.md): 503 with
// Retry-After and no credentials, never a hang; and it recovers by itself.
const BOUND_MS = 2000; // the promise of docs/operations.md (database.auditCommitTimeoutMs is 1.8 s, database.queryTimeoutMs 2 s)
const SLACK_MS = 1500; // the rest of the request (Redis, JSON) on a loaded 2-core test machine

let cluster: PrivatePostgres;
let proxy: TcpProxy;
let world: ExchangeWorld;
let alice: SignedIn;

beforeAll(async () => {
  cluster = await PrivatePostgres.start();
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: cluster.port });
  world = await startExchangeWorld({ DATABASE_URL: cluster.urlOf('rolegate', proxy.url), ROLEGATE_AUTO_MIGRATE: 'true' });
  alice = await world.signIn('alice');
}, 120_000);
afterAll(async () => {
  proxy.resume();
  await world.close();
  await proxy.close();
  await cluster.stop();
});

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: Partial<CredentialsResponse> & { code?: string };
}

async function ask(role: string): Promise<Answer> {
  const startedAt = performance.now();
  const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'sandbox', role } });
  const body = (await res.json()) as Answer['body'];
  return { status: res.status, ms: performance.now() - startedAt, retryAfter: res.headers.get('retry-after'), body };
}

/** A refusal as promised: 503 naming a dependency, Retry-After, no credentials, within the bound. */
function expectCleanRefusal(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.body.code).toBe('dependency_unavailable');
  expect(answer.body.credentials).toBeUndefined();
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(answer.ms).toBeLessThan(BOUND_MS + SLACK_MS);
}

describe('credentials while PostgreSQL cannot commit', () => {
  it('when the path to PostgreSQL stalls, then cached and uncached requests are refused within the bound, and it recovers', async () => {
    expect((await ask('Developer')).status).toBe(200); // cached from now on: only the audit row needs PostgreSQL
    proxy.pause();
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 10 }, () => ask('Developer')), // served from the cache, but for the audit row
        ...Array.from({ length: 5 }, () => ask('ReadOnly')), // an exchange: its intent is recorded first
      ]);
      for (const answer of answers) expectCleanRefusal(answer);
      // The next ones are refused within the bound too: the queue behind the stalled INSERT does not grow.
      for (let i = 0; i < 3; i++) expectCleanRefusal(await ask('Developer'));
    } finally {
      proxy.resume();
    }
    await waitFor(async () => ((await ask('Developer')).status === 200 ? true : undefined), 'credentials after the stall', 20_000, 100);
  }, 60_000);

  it('when PostgreSQL crashes, answers "starting up" and comes back, then every request in between is refused within the bound, and it recovers', async () => {
    expect((await ask('Developer')).status).toBe(200);
    const answers: Answer[] = [];
    const during = async (phase: () => Promise<unknown>) => {
      const state = { done: false };
      const asking = (async () => {
        for (let i = 0; i < 200 && !state.done; i++) answers.push(await ask('Developer'));
      })();
      await phase();
      state.done = true;
      await asking;
    };

    await cluster.crash();
    // Down: connections refused. Then recovering: every connection answered FATAL 57P03.
    await during(() => waitFor(() => (answers.length >= 5 ? true : undefined), 'refusals while PostgreSQL is down', 20_000, 20));
    const startingUp = await startingUpServer(cluster.port);
    try {
      await during(() =>
        waitFor(() => (startingUp.connections >= 3 && answers.length >= 10 ? true : undefined), 'requests while it starts up', 20_000, 20),
      );
    } finally {
      await startingUp.close();
    }
    for (const answer of answers) expectCleanRefusal(answer);

    await cluster.restart();
    await waitFor(async () => ((await ask('Developer')).status === 200 ? true : undefined), 'credentials after the restart', 20_000, 100);
  }, 90_000);

  it('when PostgreSQL restarts behind a proxy that accepts connections but answers nothing yet, then requests are refused within the bound, and it recovers', async () => {
    expect((await ask('Developer')).status).toBe(200);
    await cluster.crash(); // every pooled connection breaks
    proxy.pause(); // new ones are accepted and then hang, as with a host or pooler still coming up
    await cluster.restart();
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => ask('Developer')));
      for (const answer of answers) expectCleanRefusal(answer);
      for (let i = 0; i < 3; i++) expectCleanRefusal(await ask('Developer'));
    } finally {
      proxy.resume();
    }
    await waitFor(async () => ((await ask('Developer')).status === 200 ? true : undefined), 'credentials after the restart', 20_000, 100);
  }, 90_000);
});

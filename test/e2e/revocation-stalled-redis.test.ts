import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKvStore } from '../../src/adapters/redis/redis-kv-store.js';
import { Secret } from '../../src/domain/secret.js';
import { startAdminWorld } from '../support/admin-world.js';
import { startSecondInstance } from '../support/app.js';
import { bearer, cliTokensFor, type CliBroker } from '../support/cli-broker.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { testRedisUrl } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

// Instance A talks to Redis directly; instance B through a proxy the test can
// pause (B's connection stays open but passes nothing: no socket event, no
// invalidation). A logout or a revocation done through A must be refused by B
// within 2 s all the same (docs/operations.md), and B must recover by itself
// once the path to Redis passes traffic again.
const REVOCATION_BOUND_MS = 2000;

let world: ExchangeWorld;
let proxy: TcpProxy;
let b: Awaited<ReturnType<typeof startSecondInstance>>;
let bob: SignedIn;

beforeAll(async () => {
  world = await startAdminWorld();
  const target = new URL(testRedisUrl);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
  const viaProxy = new URL(testRedisUrl);
  viaProxy.host = proxy.url;
  b = await startSecondInstance(world.app.t, (config) => ({ ...config, redis: { ...config.redis, url: new Secret(viaProxy.href) } }));
  bob = await world.signIn('bob');
}, 90_000);
afterAll(async () => {
  proxy.resume();
  await b.close();
  await world.close();
  await proxy.close();
});

type Ask = () => Promise<number>;

/** Asks instance B for alice's credentials with a stolen copy of her cookie (or token), as someone who kept it would. */
const withCookie =
  (cookie: string, csrfToken: string): Ask =>
  async () =>
    (
      await fetch(`${b.url}/api/v1/credentials`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
        signal: AbortSignal.timeout(10_000),
      })
    ).status;

const withToken =
  (token: string): Ask =>
  async () =>
    (
      await fetch(`${b.url}/api/v1/credentials`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ alias: 'sandbox', role: 'Developer' }),
        signal: AbortSignal.timeout(10_000),
      })
    ).status;

/** B's answers, one request after another, from now until `untilMs` after `revokedAt` (bounded in count). */
async function watch(ask: Ask, revokedAt: number, untilMs: number): Promise<{ at: number; status: number }[]> {
  const answers: { at: number; status: number }[] = [];
  for (let i = 0; i < 1000 && Date.now() - revokedAt < untilMs; i++) {
    const at = Date.now() - revokedAt;
    answers.push({ at, status: await ask() });
    await setTimeout(5); // pacing, so the count bound covers the whole window
  }
  return answers;
}

/** B has answered reads from its near cache and proved its tracking connection: the state in which it could serve stale copies. */
async function warm(ask: Ask): Promise<void> {
  expect(await ask()).toBe(200);
  expect(await ask()).toBe(200);
  const kv = b.deps.kv;
  if (!(kv instanceof RedisKvStore)) throw new Error('instance B should run on Redis');
  await waitFor(() => (kv.nearCacheLive ? true : undefined), 'B to prove its tracking connection', 5000, 5);
}

function expectRefusedWithinBound(answers: { at: number; status: number }[]): void {
  const late = answers.filter((a) => a.at >= REVOCATION_BOUND_MS);
  expect(late.length).toBeGreaterThan(0);
  // Served after the bound: none. Refused: a clean 503 (Redis cannot be reached), never a hang or a 500.
  expect(late.filter((a) => a.status === 200)).toEqual([]);
  expect(new Set(late.map((a) => a.status))).toEqual(new Set([503]));
}

describe('revocation while one instance’s connection to Redis stalls', () => {
  it('when a browser session signs out through A, then B refuses its cookie within 2 s and recovers after the stall', async () => {
    const alice = await world.signIn('alice');
    const cookie = [...alice.browser.cookies].map(([name, c]) => `${name}=${c.value}`).join('; ');
    const ask = withCookie(cookie, alice.csrfToken);
    await warm(ask);

    proxy.pause();
    try {
      const out = await alice.browser.request(`${world.app.url}/auth/logout`, { method: 'POST', form: { _csrf: alice.csrfToken } });
      expect(out.status).toBeLessThan(400);
      const revokedAt = Date.now();
      expectRefusedWithinBound(await watch(ask, revokedAt, REVOCATION_BOUND_MS + 2500));
    } finally {
      proxy.resume();
    }
    // Recovery without a restart: the old cookie is refused (from Redis now), a new session works on B.
    await waitFor(async () => ((await ask()) === 401 ? true : undefined), 'B to refuse the signed-out cookie', 15_000, 50);
    const again = await world.signIn('alice');
    const fresh = withCookie([...again.browser.cookies].map(([name, c]) => `${name}=${c.value}`).join('; '), again.csrfToken);
    await waitFor(async () => ((await fresh()) === 200 ? true : undefined), 'B to serve a new session', 15_000, 50);
  }, 60_000);

  it('when an administrator revokes a user through A, then B refuses their CLI access token within 2 s and recovers after the stall', async () => {
    const alice = await world.signIn('alice');
    const tokens = await cliTokensFor({ url: world.app.url } as CliBroker, alice.browser);
    const ask = withToken(String(tokens.access_token));
    await warm(ask);

    proxy.pause();
    try {
      const revoked = await bob.api('/api/v1/admin/revocations', { method: 'POST', body: { user: 'demo:alice' } });
      expect(revoked.status).toBe(201);
      const revokedAt = Date.now();
      expectRefusedWithinBound(await watch(ask, revokedAt, REVOCATION_BOUND_MS + 2500));
    } finally {
      proxy.resume();
    }
    await waitFor(async () => ((await ask()) === 401 ? true : undefined), 'B to refuse the revoked token', 15_000, 50);
    const again = await world.signIn('alice');
    const fresh = withToken(String((await cliTokensFor({ url: world.app.url } as CliBroker, again.browser)).access_token));
    await waitFor(async () => ((await fresh()) === 200 ? true : undefined), 'B to serve a new CLI session', 15_000, 50);
  }, 60_000);
});

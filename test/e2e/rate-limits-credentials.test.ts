import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecondInstance } from '../support/app.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { auditRows } from '../support/login-app.js';
import { testRedisUrl } from '../support/redis.js';

// Two rolegate instances on one PostgreSQL and Redis, every STS call through a counting proxy,
// default limits: 20 new exchanges a minute per (user, role), 60 per user, 30 console URLs per user.
// The tests run in order within one minute of alice's first exchange (the limits' window).
let world: ExchangeWorld;
let proxy: FaultProxy;
let second: Awaited<ReturnType<typeof startSecondInstance>>;
let alice: SignedIn;
let bob: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld(async (devstack) => {
    proxy = await FaultProxy.start(devstack.stsUrl);
    return { ROLEGATE_STS_ENDPOINT: proxy.url };
  });
  second = await startSecondInstance(world.app.t);
  [alice, bob] = await Promise.all([world.signIn('alice'), world.signIn('bob')]);
}, 90_000);
afterAll(async () => {
  await second.close();
  await world.close();
  await proxy.close();
});

/** POST /api/v1/credentials on either instance with the user's session. */
async function ask(user: SignedIn, body: Record<string, unknown>, base = world.app.url) {
  const res = await user.browser.request(`${base}/api/v1/credentials`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-csrf-token': user.csrfToken },
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

/** The counters of one limit in Redis (one per key). */
async function counts(limit: string): Promise<number[]> {
  const client = createClient({ url: testRedisUrl });
  await client.connect();
  try {
    const values: number[] = [];
    for await (const keys of client.scanIterator({ MATCH: `${world.app.t.redisPrefix}rate-limit:${limit}:*` })) {
      for (const key of keys) values.push(Number(await client.get(key)));
    }
    return values;
  } finally {
    await client.close();
  }
}

async function metric(base: string, name: string, limit: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{limit="${limit}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('STS exchange limits', () => {
  it('when a user asks for a cached role again and again, then every answer is 200 from the cache and only one STS call is made', async () => {
    const before = proxy.forwarded;
    const statuses = [];
    for (let i = 0; i < 100; i++)
      statuses.push((await ask(alice, { alias: 'sandbox', role: 'ReadOnly' }, i % 2 ? second.url : world.app.url)).status);
    expect(statuses).toEqual(Array(100).fill(200));
    expect(proxy.forwarded - before).toBe(1);
    // Cached answers are not counted: the one exchange is the only count in Redis.
    expect(await counts('stsExchangesPerUser')).toEqual([1]);
    expect(await counts('stsExchangesPerRole')).toEqual([1]);
  });

  it('when a user asks one role for 30 different durations, then 20 are exchanged and the rest get 429 with Retry-After, across both instances, with no STS call', async () => {
    const before = proxy.forwarded;
    const startsBefore = (await auditRows(world.app.t, 'sts.exchange.start')).length;
    const answers = [];
    for (let i = 0; i < 30; i++) {
      answers.push(
        await ask(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 900 + 60 * i }, i % 2 ? second.url : world.app.url),
      );
    }
    expect(answers.slice(0, 20).map((a) => [a.status, a.json.cached])).toEqual(Array(20).fill([200, false]));
    for (const refused of answers.slice(20)) {
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(refused.json).toMatchObject({
        code: 'rate_limited',
        limit: 'stsExchangesPerRole',
        detail: expect.stringMatching(/^Too many new AWS sessions for this role \(20 a minute\); try again in \d+ s$/) as unknown,
      });
    }
    expect(proxy.forwarded - before).toBe(20);
    // A refused exchange never started: no write-ahead audit row for it.
    expect((await auditRows(world.app.t, 'sts.exchange.start')).length - startsBefore).toBe(20);
    // What was issued is still served, from the cache.
    expect(await ask(alice, { alias: 'sandbox', role: 'Developer', durationSeconds: 900 })).toMatchObject({
      status: 200,
      json: { cached: true },
    });
    expect(await metric(world.app.url, 'rolegate_rate_limited_total', 'stsExchangesPerRole')).toBeGreaterThanOrEqual(1);
    expect(await metric(second.url, 'rolegate_rate_limited_total', 'stsExchangesPerRole')).toBeGreaterThanOrEqual(1);
  });

  it('when a user spreads new exchanges over roles, then the 61st in the minute gets 429 stsExchangesPerUser', async () => {
    // So far alice made 21 exchanges (1 ReadOnly + 20 Developer); 39 more are allowed.
    const before = proxy.forwarded;
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await ask(alice, { alias: 'sandbox', role: 'WebIdentityDeveloper', durationSeconds: 900 + 60 * i })).status);
    for (let i = 0; i < 19; i++)
      statuses.push((await ask(alice, { alias: 'sandbox', role: 'BrokerDeveloper', durationSeconds: 900 + 60 * i })).status);
    expect(statuses).toEqual(Array(39).fill(200));
    const refused = await ask(alice, { alias: 'sandbox', role: 'BrokerDeveloper', durationSeconds: 3000 });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ code: 'rate_limited', limit: 'stsExchangesPerUser' });
    expect(proxy.forwarded - before).toBe(39);
  });

  it('when one user is limited, then another user is not', async () => {
    const answer = await ask(bob, { alias: 'prod', role: 'BreakGlass', justification: 'INC-1: alice is rate limited, bob is not' });
    expect(answer.status).toBe(200);
  });

  it('when the limit refuses a portal form, then the browser gets a readable 429 page with Retry-After, not JSON', async () => {
    const res = await alice.browser.request(`${world.app.url}/portal/credentials`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      form: { _csrf: alice.csrfToken, accountId: SANDBOX, role: 'ReadOnly', durationSeconds: '7200' },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const page = await res.text();
    expect(page).toContain('Too many new AWS sessions for you');
    expect(page).toContain('Signed in as');
  });

  it('when a limit refuses, then a warn line names the limit and a hashed key, never the user id', () => {
    const warns = world.app.t.logs.lines().filter((l) => l.msg === 'rate limit reached');
    expect(warns.map((l) => l.limit)).toEqual(expect.arrayContaining(['stsExchangesPerRole', 'stsExchangesPerUser']));
    for (const line of warns) expect(String(line.key)).not.toContain('alice');
  });
});

describe('console sign-in URL limit', () => {
  it('when a user asks for more than 30 console URLs in a minute, then the 31st gets 429 consoleUrlsPerUser, and another user is unaffected', async () => {
    const url = (user: SignedIn) => user.api('/api/v1/console-url', { method: 'POST', body: { alias: 'sandbox', role: 'ReadOnly' } });
    const statuses = [];
    // Cached credentials (the first test) behind each: only the federation call is new.
    for (let i = 0; i < 30; i++) statuses.push((await url(alice)).status);
    expect(statuses).toEqual(Array(30).fill(200));
    const refused = await url(alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited', limit: 'consoleUrlsPerUser' });
    const portal = await alice.browser.request(`${world.app.url}/portal/console`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      form: { _csrf: alice.csrfToken, accountId: SANDBOX, role: 'ReadOnly' },
    });
    expect(portal.status).toBe(429);
    expect(await portal.text()).toContain('Too many console sign-in links for you');
    const other = await bob.api('/api/v1/console-url', {
      method: 'POST',
      body: { alias: 'prod', role: 'BreakGlass', justification: 'INC-2: alice is limited, bob is not' },
    });
    expect(other.status).toBe(200);
  });
});

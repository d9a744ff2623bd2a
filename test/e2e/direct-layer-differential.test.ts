import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/create-http-server.js';
import { cliTokensFor, type CliBroker } from '../support/cli-broker.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

// The direct layer (src/http/direct-routes.ts) serves POST /api/v1/credentials before
// Express; the Express app registers the same handler as a route. Every request below
// goes to both — the real HTTP server with the direct layer in front, and the Express
// app alone on a plain node:http server (what supertest does) — and the two answers
// must be the same: status, every header but Date, and the body, request ids aside.

let world: ExchangeWorld;
let alice: SignedIn;
let bearerToken: string;
let expressAlone: { server: Server; url: string };

beforeAll(async () => {
  // One new AWS session a minute per user: the warm-up takes it, so any uncached ask is a 429 on both.
  world = await startExchangeWorld({ ROLEGATE_RATE_LIMIT_STS_PER_USER: '1' });
  alice = await world.signIn('alice');
  // The CLI's loopback sign-in as alice, in alice's browser (only the broker's URL is used).
  const tokens = await cliTokensFor({ url: world.app.url } as CliBroker, alice.browser, 'differential-test');
  bearerToken = String(tokens.access_token);
  const server = createHttpServer(world.app.t.app, { directRoutes: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  expressAlone = { server, url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}` };
  // The first answer comes from STS, every later one from the cache: warm it so both servers answer alike.
  const warm = await send(world.app.url, { body: ASK, headers: session() });
  expect(warm.status, warm.body).toBe(200);
}, 120_000);

afterAll(async () => {
  expressAlone.server.closeAllConnections();
  await new Promise((resolve) => expressAlone.server.close(resolve));
  await world.close();
});

const ASK = JSON.stringify({ alias: 'sandbox', role: 'Developer' });
const cookieOf = (user: SignedIn) => [...user.browser.cookies].map(([name, c]) => `${name}=${c.value}`).join('; ');
const session = (extra: Record<string, string> = {}) => ({
  cookie: cookieOf(alice),
  'x-csrf-token': alice.csrfToken,
  'content-type': 'application/json',
  ...extra,
});
const bearer = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${bearerToken}`,
  'content-type': 'application/json',
  ...extra,
});

interface Ask {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Sent as chunks without Content-Length. */
  chunks?: Buffer[];
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One raw HTTP/1.1 request on a connection of its own: what a hostile client can send, not only what fetch would. */
function send(base: string, ask: Ask): Promise<Answer> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: ask.method ?? 'POST',
        path: (ask.path ?? '/api/v1/credentials').replace('{origin}', base),
        headers: { connection: 'close', ...ask.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined && name !== 'date') headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    // The server may answer 413 and close before the whole body was written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (const chunk of ask.chunks ?? []) req.write(chunk);
    req.end(ask.body);
  });
}

/**
 * The answer with what differs between any two requests replaced: the request id, and the seconds
 * left in a rate-limit window (the second request comes a moment later, so the count may have ticked).
 */
function normalised(answer: Answer): Answer {
  const id = answer.headers['x-request-id'];
  const retryAfter = answer.headers['retry-after'];
  const body = id === undefined ? answer.body : answer.body.split(id).join('<request id>');
  return {
    status: answer.status,
    headers: {
      ...answer.headers,
      ...(id === undefined ? {} : { 'x-request-id': '<request id>' }),
      ...(retryAfter === undefined || answer.status !== 429 ? {} : { 'retry-after': '<seconds>' }),
      // The seconds in the detail change the body's length when the count crosses a power of ten.
      ...(answer.status === 429 ? { 'content-length': '<bytes>' } : {}),
    },
    body: answer.status === 429 ? secondsLeftMasked(body) : body,
  };
}

/** A 429 body with its seconds left (the field and the sentence that quotes them) masked. */
function secondsLeftMasked(body: string): string {
  return body
    .replace(/"retryAfterSeconds":\d+/, '"retryAfterSeconds":"<seconds>"')
    .replace(/try again in \d+ s/, 'try again in <seconds> s');
}

const big = (bytes: number) => JSON.stringify({ alias: 'sandbox', role: 'Developer', justification: 'x'.repeat(bytes) });

/** Each named request; `status` is what both must answer (so a case cannot pass by failing alike in both). */
const CASES: { name: string; ask: () => Ask; status: number }[] = [
  { name: 'valid, session cookie and CSRF token', ask: () => ({ body: ASK, headers: session() }), status: 200 },
  { name: 'valid, CLI bearer token', ask: () => ({ body: ASK, headers: bearer() }), status: 200 },
  {
    name: 'valid, by account id',
    ask: () => ({ body: JSON.stringify({ accountId: '111111111111', role: 'Developer' }), headers: bearer() }),
    status: 200,
  },
  { name: 'valid, path with a final slash', ask: () => ({ path: '/api/v1/credentials/', body: ASK, headers: bearer() }), status: 200 },
  { name: 'valid, path in capitals', ask: () => ({ path: '/API/V1/Credentials', body: ASK, headers: bearer() }), status: 200 },
  { name: 'valid, with a query string', ask: () => ({ path: '/api/v1/credentials?x=1&y', body: ASK, headers: bearer() }), status: 200 },
  { name: 'valid, absolute-form target', ask: () => ({ path: '{origin}/api/v1/credentials', body: ASK, headers: bearer() }), status: 200 },
  {
    name: 'valid, charset=utf-8 spelled oddly',
    ask: () => ({ body: ASK, headers: bearer({ 'content-type': 'Application/JSON; Charset="UTF-8"' }) }),
    status: 200,
  },
  { name: 'valid, sane X-Request-Id kept', ask: () => ({ body: ASK, headers: bearer({ 'x-request-id': 'lb-1234.abc:9' }) }), status: 200 },
  { name: 'valid, insane X-Request-Id replaced', ask: () => ({ body: ASK, headers: bearer({ 'x-request-id': '<script>' }) }), status: 200 },
  {
    name: 'valid, body in three chunks',
    ask: () => ({ chunks: [Buffer.from(ASK.slice(0, 5)), Buffer.from(ASK.slice(5, 20))], body: ASK.slice(20), headers: bearer() }),
    status: 200,
  },
  { name: 'no credentials at all', ask: () => ({ body: ASK, headers: { 'content-type': 'application/json' } }), status: 401 },
  {
    name: 'no credentials, a browser asking for HTML',
    ask: () => ({ path: '/API/v1/credentials', body: ASK, headers: { 'content-type': 'application/json', accept: 'text/html' } }),
    status: 401,
  },
  {
    name: 'forged bearer token',
    ask: () => ({ body: ASK, headers: bearer({ authorization: 'Bearer rgat_forged.not-a-real-token' }) }),
    status: 401,
  },
  { name: 'empty bearer token', ask: () => ({ body: ASK, headers: bearer({ authorization: 'Bearer ' }) }), status: 401 },
  {
    name: 'bearer token with junk after it',
    ask: () => ({ body: ASK, headers: bearer({ authorization: `Bearer ${bearerToken} junk` }) }),
    status: 401,
  },
  {
    name: 'forged bearer token beside a valid cookie',
    ask: () => ({ body: ASK, headers: session({ authorization: 'Bearer rgat_forged.x' }) }),
    status: 401,
  },
  {
    name: 'Basic authentication',
    ask: () => ({ body: ASK, headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' } }),
    status: 401,
  },
  {
    name: 'unknown session cookie',
    ask: () => ({ body: ASK, headers: session({ cookie: 'rolegate_session=not-a-session' }) }),
    status: 401,
  },
  {
    name: 'cookie without CSRF token',
    ask: () => ({ body: ASK, headers: { cookie: cookieOf(alice), 'content-type': 'application/json' } }),
    status: 403,
  },
  { name: 'cookie with a wrong CSRF token', ask: () => ({ body: ASK, headers: session({ 'x-csrf-token': 'nope' }) }), status: 403 },
  { name: 'cookie from another origin', ask: () => ({ body: ASK, headers: session({ origin: 'https://evil.example' }) }), status: 403 },
  {
    name: 'cookie, Sec-Fetch-Site cross-site',
    ask: () => ({ body: ASK, headers: session({ 'sec-fetch-site': 'cross-site' }) }),
    status: 403,
  },
  { name: 'not JSON', ask: () => ({ body: '{"alias": sandbox', headers: bearer() }), status: 400 },
  { name: 'a JSON string, not an object', ask: () => ({ body: '"sandbox"', headers: bearer() }), status: 400 },
  { name: 'a JSON array', ask: () => ({ body: '[1,2,3]', headers: bearer() }), status: 400 },
  { name: 'empty body', ask: () => ({ body: '', headers: bearer() }), status: 400 },
  { name: 'deeply nested JSON', ask: () => ({ body: `${'['.repeat(3000)}${']'.repeat(3000)}`, headers: bearer() }), status: 400 },
  {
    name: 'wrong field types',
    ask: () => ({ body: JSON.stringify({ alias: 7, role: ['Developer'], durationSeconds: 'long' }), headers: bearer() }),
    status: 400,
  },
  {
    name: 'unknown fields and __proto__',
    ask: () => ({ body: '{"alias":"sandbox","role":"Developer","__proto__":{"admin":true},"extra":1}', headers: bearer() }),
    status: 400,
  },
  {
    name: 'duration out of range',
    ask: () => ({ body: JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: 10 }), headers: bearer() }),
    status: 400,
  },
  { name: 'text/plain body', ask: () => ({ body: ASK, headers: bearer({ 'content-type': 'text/plain' }) }), status: 415 },
  {
    name: 'form body',
    ask: () => ({ body: 'alias=sandbox&role=Developer', headers: bearer({ 'content-type': 'application/x-www-form-urlencoded' }) }),
    status: 415,
  },
  { name: 'no content type', ask: () => ({ body: ASK, headers: { authorization: `Bearer ${bearerToken}` } }), status: 415 },
  {
    name: 'latin1 charset',
    ask: () => ({ body: ASK, headers: bearer({ 'content-type': 'application/json; charset=latin1' }) }),
    status: 415,
  },
  { name: 'gzip content encoding', ask: () => ({ body: ASK, headers: bearer({ 'content-encoding': 'gzip' }) }), status: 415 },
  { name: 'oversized, declared', ask: () => ({ body: big(9000), headers: bearer() }), status: 413 },
  {
    name: 'oversized, chunked',
    ask: () => ({ chunks: [Buffer.from(big(5000)), Buffer.from(' '.repeat(5000))], headers: bearer() }),
    status: 413,
  },
  { name: 'unauthenticated and oversized', ask: () => ({ body: big(9000), headers: { 'content-type': 'application/json' } }), status: 401 },
  { name: 'unknown role', ask: () => ({ body: JSON.stringify({ alias: 'sandbox', role: 'NoSuchRole' }), headers: bearer() }), status: 404 },
  {
    name: 'unknown account',
    ask: () => ({ body: JSON.stringify({ alias: 'nowhere', role: 'Developer' }), headers: bearer() }),
    status: 404,
  },
  {
    name: 'a role alice is not entitled to',
    ask: () => ({ body: JSON.stringify({ alias: 'prod', role: 'Admin' }), headers: bearer() }),
    status: 403,
  },
  {
    name: 'uncached, over the per-user STS limit',
    ask: () => ({ body: JSON.stringify({ alias: 'sandbox', role: 'Developer', durationSeconds: 1800 }), headers: bearer() }),
    status: 429,
  },
  { name: 'GET', ask: () => ({ method: 'GET', headers: bearer() }), status: 405 },
  { name: 'HEAD', ask: () => ({ method: 'HEAD', headers: bearer() }), status: 405 },
  { name: 'PUT with a valid body', ask: () => ({ method: 'PUT', body: ASK, headers: bearer() }), status: 405 },
  { name: 'DELETE', ask: () => ({ method: 'DELETE', headers: session() }), status: 405 },
  { name: 'OPTIONS', ask: () => ({ method: 'OPTIONS', headers: {} }), status: 405 },
  {
    name: 'PATCH on the path in capitals',
    ask: () => ({ method: 'PATCH', path: '/API/V1/CREDENTIALS', body: ASK, headers: bearer() }),
    status: 405,
  },
  { name: 'percent-encoded path', ask: () => ({ path: '/api/v1/%63redentials', body: ASK, headers: bearer() }), status: 404 },
  { name: 'double slash', ask: () => ({ path: '//api/v1/credentials', body: ASK, headers: bearer() }), status: 404 },
  { name: 'a fragment in the target', ask: () => ({ path: '/api/v1/credentials#frag', body: ASK, headers: bearer() }), status: 200 },
  { name: 'a longer path', ask: () => ({ path: '/api/v1/credentials/extra', body: ASK, headers: bearer() }), status: 404 },
];

describe('POST /api/v1/credentials: the direct layer and the Express app answer alike', () => {
  it.each(CASES)('$name → $status from both', async ({ ask, status }) => {
    const directAnswer = await send(world.app.url, ask());
    const expressAnswer = await send(expressAlone.url, ask());
    const direct = normalised(directAnswer);
    const express = normalised(expressAnswer);
    expect(direct.status, direct.body).toBe(status);
    expect(express).toEqual(direct);
    // The headers that matter most, present where they belong (toEqual above compared every header).
    const apiPath = !(ask().path ?? '').startsWith('//'); // `//api/…` is a page path: the page headers
    if (apiPath) expect(direct.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(direct.headers['x-content-type-options']).toBe('nosniff');
    if (status !== 200 && apiPath && direct.body !== '') expect(direct.headers['content-type']).toMatch(/^application\/problem\+json/);
    if (status === 405) expect(direct.headers.allow).toBe('POST');
    if (status === 401) expect(direct.headers['www-authenticate']).toMatch(/^Bearer realm="rolegate"/);
    if (status === 429) {
      const [first, second] = [directAnswer, expressAnswer].map((answer) => Number(answer.headers['retry-after']));
      expect(first).toBeGreaterThan(0);
      expect(Math.abs((first ?? 0) - (second ?? 0))).toBeLessThanOrEqual(1); // the same window, a moment apart
      expect(directAnswer.body).toContain(`"retryAfterSeconds":${String(first)}`);
      expect(directAnswer.body).toContain(`try again in ${String(first)} s`);
      for (const answer of [directAnswer, expressAnswer]) expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    }
    if (status === 413) expect(direct.headers.connection).toBe('close');
    if (status === 200) expect(direct.headers['cache-control']).toBe('no-store');
  });

  it('while draining, both tell the client to reconnect elsewhere (Connection: close) and still answer', async () => {
    world.app.t.deps.beginShutdown();
    const keepAlive = (headers: Record<string, string>) => ({ body: ASK, headers: { ...headers, connection: 'keep-alive' } });
    for (const ask of [keepAlive(bearer()), keepAlive({ 'content-type': 'application/json' })]) {
      const direct = normalised(await send(world.app.url, ask));
      const express = normalised(await send(expressAlone.url, ask));
      expect(direct.headers.connection).toBe('close');
      expect(express).toEqual(direct);
    }
  });
});

describe('createApp() is a complete application on its own (supertest, no HTTP server of ours)', () => {
  it('when POST /api/v1/credentials is asked without credentials, then it answers 401 as a real server does', async () => {
    const res = await supertest(world.app.t.app).post('/api/v1/credentials').set('content-type', 'application/json').send(ASK);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="rolegate"');
    expect((res.body as { code: string }).code).toBe('login_required');
  });

  it('when it is asked with GET, then it answers 405 with Allow: POST', async () => {
    const res = await supertest(world.app.t.app).get('/api/v1/credentials');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('when it is asked with a bearer token, then it issues credentials', async () => {
    const res = await supertest(world.app.t.app).post('/api/v1/credentials').set(bearer()).send(ASK);
    expect(res.status, res.text).toBe(200);
    expect((res.body as { credentials: { accessKeyId: string } }).credentials.accessKeyId).toMatch(/^ASIA/);
  });
});

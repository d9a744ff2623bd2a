import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

// POST /api/v1/credentials is served by the direct layer in front of Express (src/http/direct-routes.ts).
// What an attacker or a confused client sends must get the same precise answers
// as every other endpoint: a 4xx problem+json naming what is wrong, the security
// headers, a request id, nothing stored, never a 500 or a stack trace.

let world: ExchangeWorld;
let alice: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld();
  alice = await world.signIn('alice');
}, 90_000);
afterAll(async () => {
  await world.close();
});

const auditOf = (where: { requestId?: string; type?: string }) =>
  world.app.t.deps.database.prisma.auditEvent.findMany({ where, orderBy: { id: 'asc' } });
const cookieOf = (user: SignedIn) => [...user.browser.cookies].map(([name, c]) => `${name}=${c.value}`).join('; ');
const url = () => `${world.app.url}/api/v1/credentials`;
const ask = JSON.stringify({ alias: 'sandbox', role: 'Developer' });

/** alice's cookie and CSRF token, with `headers` on top; `body` as is. */
function post(body: string | undefined, headers: Record<string, string> = {}, path = '/api/v1/credentials') {
  return alice.browser.request(`${world.app.url}${path}`, {
    method: 'POST',
    ...(body === undefined ? {} : { body }),
    headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken, ...headers },
  });
}

async function expectProblem(res: Response, status: number, code: string, detail?: RegExp) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  const problem = JSON.parse(text) as { code: string; detail: string; requestId: string };
  expect(problem.code).toBe(code);
  expect(problem.requestId).toBe(res.headers.get('x-request-id'));
  if (detail) expect(problem.detail).toMatch(detail);
  expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  return problem;
}

describe('POST /api/v1/credentials: what a well-formed request gets', () => {
  it('when alice asks, then the answer carries credentials, no-store and the security headers', async () => {
    const res = await post(ask);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/);
    expect(await res.json()).toMatchObject({
      role: { name: 'Developer' },
      credentials: { accessKeyId: expect.stringMatching(/^ASIA/) as string },
    });
  });

  it('when a client sends its own request id, then the answer and the audit row carry it', async () => {
    const res = await post(ask, { 'x-request-id': 'lb-trace-4711' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('lb-trace-4711');
    const rows = await auditOf({ requestId: 'lb-trace-4711' });
    expect(rows.map((r) => [r.type, r.outcome])).toEqual([['credentials.issue', 'success']]);
  });

  it('when the path has a trailing slash, a query string or other letter case, then it is the same endpoint', async () => {
    for (const path of ['/api/v1/credentials/', '/api/v1/credentials?via=script', '/API/v1/Credentials']) {
      const res = await post(ask, {}, path);
      expect(res.status, path).toBe(200);
    }
  });

  it('when the request line carries an absolute URL, then it is the same endpoint', async () => {
    const target = new URL(url());
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.href, // absolute-form request target
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken, cookie: cookieOf(alice) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(ask);
    });
    expect(status).toBe(200);
  });

  it('when the charset is given as utf-8, then it is accepted', async () => {
    expect((await post(ask, { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });
});

describe('POST /api/v1/credentials: what a confused or hostile client gets', () => {
  it('when nobody is signed in, then it is 401 with a WWW-Authenticate challenge, before the body is looked at', async () => {
    const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    await expectProblem(res, 401, 'login_required', /Sign in first/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="rolegate"');
  });

  it('when a bearer token is forged, then it is 401 invalid_token even with a valid session cookie', async () => {
    const res = await post(ask, { authorization: 'Bearer rgat_forged.not-a-real-token' });
    await expectProblem(res, 401, 'login_required', /invalid, expired or revoked/);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('when the body is not sent as JSON, then it is 415', async () => {
    await expectProblem(await post(ask, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type', /application\/json/);
    await expectProblem(await post(ask, { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    await expectProblem(await post(ask, { 'content-type': 'application/jsonp' }), 415, 'unsupported_media_type');
  });

  it('when the body is in another charset or compressed, then it is 415', async () => {
    await expectProblem(await post(ask, { 'content-type': 'application/json; charset=latin1' }), 415, 'unsupported_media_type', /charset/);
    await expectProblem(await post(ask, { 'content-encoding': 'gzip' }), 415, 'unsupported_media_type', /encoding/);
  });

  it('when the JSON is broken, or not an object, then it is 400 invalid_request', async () => {
    await expectProblem(await post('{"alias": '), 400, 'invalid_request', /not valid JSON/);
    await expectProblem(await post('"sandbox"'), 400, 'invalid_request', /not valid JSON/);
    await expectProblem(await post('null'), 400, 'invalid_request', /not valid JSON/);
    await expectProblem(await post('[1,2]'), 400, 'invalid_request');
  });

  it('when the body is empty, then the answer names the missing role', async () => {
    await expectProblem(await post(''), 400, 'invalid_request', /role/);
  });

  it('when fields are wrong, unknown or both account forms are given, then each problem is named', async () => {
    const wrong = await expectProblem(
      await post(JSON.stringify({ accountId: '12345', role: 'Developer', durationSeconds: 10 })),
      400,
      'invalid_request',
    );
    expect(wrong.detail).toMatch(/accountId: expected a 12-digit AWS account id/);
    expect(wrong.detail).toMatch(/durationSeconds/);
    await expectProblem(await post(JSON.stringify({ alias: 'sandbox', role: 'Developer', admin: true })), 400, 'invalid_request', /admin/);
    await expectProblem(
      await post(JSON.stringify({ alias: 'sandbox', accountId: '111111111111', role: 'Developer' })),
      400,
      'invalid_request',
      /exactly one of accountId or alias/,
    );
  });

  it('when the body is larger than 8 KB, then it is 413 and the connection is closed without reading the rest', async () => {
    const big = JSON.stringify({ alias: 'sandbox', role: 'Developer', justification: 'x'.repeat(9000) });
    const res = await post(big);
    await expectProblem(res, 413, 'payload_too_large');
    expect(res.headers.get('connection')).toBe('close');
  });

  it('when a large body is streamed without a length, then it is 413 as well', async () => {
    const cookie = cookieOf(alice);
    const target = new URL(url());
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken, cookie, 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(`{"alias":"sandbox","role":"Developer","justification":"`);
      for (let i = 0; i < 20; i++) req.write('y'.repeat(1024));
      req.end('"}');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large' });
  });

  it('when another site posts with alice’s cookie, then it is 403 and nothing is issued', async () => {
    const before = await auditOf({ type: 'credentials.issue' });
    await expectProblem(await post(ask, { origin: 'https://evil.example' }), 403, 'forbidden', /Cross-site request refused/);
    await expectProblem(await post(ask, { 'sec-fetch-site': 'cross-site' }), 403, 'forbidden', /Cross-site/);
    await expectProblem(await post(ask, { 'x-csrf-token': '' }), 403, 'forbidden', /CSRF token/);
    expect(await auditOf({ type: 'credentials.issue' })).toHaveLength(before.length);
  });

  it('when the endpoint is asked with another method, then it answers 405 naming POST in Allow', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await alice.browser.request(url(), { method });
      expect(res.headers.get('allow'), method).toBe('POST');
      await expectProblem(res, 405, 'method_not_allowed', /answers POST only/);
    }
  });
});

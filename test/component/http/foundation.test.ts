import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('health', () => {
  it('when the process runs, then /healthz answers 200', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('when Postgres and Redis answer, then /readyz is 200 and lists both', async () => {
    const res = await request(t.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true } } });
  });
});

describe('errors', () => {
  it('when a route does not exist, then the answer is a problem+json 404 without internals', async () => {
    const res = await request(t.app).get('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'urn:rolegate:error:not_found',
      status: 404,
      code: 'not_found',
      detail: 'No route for GET /no/such/route',
    });
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('when a JSON body is malformed, then the answer is 400 invalid_request, not 500, and has no stack trace', async () => {
    const res = await request(t.app).post('/csp-report').set('Content-Type', 'application/csp-report').send('{"csp-report": ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'invalid_request', detail: 'The request body is not valid JSON' });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('when a body is larger than the endpoint accepts, then the answer is 413', async () => {
    const res = await request(t.app)
      .post('/csp-report')
      .set('Content-Type', 'application/csp-report')
      .send(JSON.stringify({ 'csp-report': { 'document-uri': 'x'.repeat(40_000) } }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'payload_too_large' });
  });

  it('when a CSP violation is reported, then it is logged at warn without the query string', async () => {
    const res = await request(t.app)
      .post('/csp-report')
      .set('Content-Type', 'application/csp-report')
      .send(
        JSON.stringify({
          'csp-report': {
            'document-uri': 'https://rolegate/portal?x=1',
            'violated-directive': 'script-src',
            'blocked-uri': 'https://evil.example/x.js?token=abc',
          },
        }),
      );
    expect(res.status).toBe(204);
    const line = t.logs.lines().find((l) => l.msg === 'content security policy violation reported');
    expect(line).toMatchObject({
      level: 'warn',
      csp: { documentUri: 'https://rolegate/portal', violatedDirective: 'script-src', blockedUri: 'https://evil.example/x.js' },
    });
  });
});

describe('security headers', () => {
  it('when any page is served, then a strict CSP and the usual hardening headers are set', async () => {
    const res = await request(t.app).get('/healthz');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('when a JSON API answer is served, then it gets the API set: nothing of it may run, be framed, sniffed or read cross-origin', async () => {
    const res = await request(t.app).get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-xss-protection']).toBeUndefined();
  });
});

describe('logging', () => {
  it('when a request carries cookies and a bearer token, then every log line has the request id and no secret', async () => {
    const res = await request(t.app)
      .get('/no-such-page?code=oauth-code-secret&state=abc')
      .set('Authorization', 'Bearer super-secret-bearer')
      .set('Cookie', '__Host-rolegate=session-secret-value')
      .set('X-Request-Id', 'lb-request-42');
    expect(res.headers['x-request-id']).toBe('lb-request-42');
    const lines = t.logs.lines().filter((l) => l.requestId === 'lb-request-42');
    expect(lines.length).toBeGreaterThan(0);
    const text = t.logs.text();
    for (const secret of ['super-secret-bearer', 'session-secret-value', 'oauth-code-secret']) expect(text).not.toContain(secret);
    const completed = lines.find((l) => l.msg === 'request completed');
    expect(completed).toMatchObject({ req: { method: 'GET', url: '/no-such-page?code=…&state=…' }, res: { statusCode: 404 } });
  });

  it('when an incoming request id is not a safe token, then a fresh one is used', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'id with spaces <script>');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when a value the logger knows as secret is logged, then it is redacted', () => {
    t.logs.logger.info(
      { credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'wJalrX' }, nested: { SessionToken: 'tok' } },
      'issued',
    );
    const line = t.logs.lines().find((l) => l.msg === 'issued');
    expect(line).toMatchObject({ credentials: '[redacted]', nested: { SessionToken: '[redacted]' } });
  });
});

describe('metrics', () => {
  it('when requests have been served, then /metrics exposes default and HTTP histograms by route pattern', async () => {
    await request(t.app).get('/healthz');
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('rolegate_process_cpu_seconds_total');
    expect(res.text).toMatch(/rolegate_http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} [1-9]/);
    expect(res.text).toMatch(/route="unmatched",status_code="404"/);
  });
});

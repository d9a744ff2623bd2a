import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { DisposableRedis } from '../support/redis-server.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

// These run the built service (dist/main.js) the way operators do.

const running: ServiceProcess[] = [];
afterEach(() => {
  for (const service of running.splice(0)) service.kill();
});

function start(options: Parameters<typeof startService>[0]): ServiceProcess {
  const service = startService(options);
  running.push(service);
  return service;
}

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'rolegate-e2e-'));

describe('embedded defaults', () => {
  it('when started with no configuration at all, then it comes up on PGlite and the in-process store and says so', async () => {
    const service = start({ cwd: tempDir(), env: { ROLEGATE_PORT: '0' } });
    const url = await service.ready(60_000);
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { 'postgres (embedded)': { ok: true }, 'memory-store': { ok: true } } });
    const banners = service.logs().filter((l) => String(l.msg).startsWith('EMBEDDED DEFAULTS'));
    expect(banners).toHaveLength(1);
    expect(banners[0]).toMatchObject({ level: 'warn' });
    expect(String(banners[0]?.msg)).toContain('not for production');
    service.child.kill('SIGTERM');
    expect((await service.exit()).code).toBe(0);
    // First start: PGlite migrations, a demo encryption key and two RSA signing keys; slow on a loaded 2-core machine.
  }, 60_000);
});

describe('start-up failures', () => {
  it('when DATABASE_URL points nowhere, then it exits non-zero with one line naming DATABASE_URL', async () => {
    const service = start({
      env: { DATABASE_URL: 'postgresql://postgres:pw@127.0.0.1:1/rolegate', REDIS_URL: testRedisUrl, ROLEGATE_PORT: '0' },
    });
    const { code } = await service.exit();
    expect(code).toBe(69);
    const lines = service.stderr().trim().split('\n');
    expect(lines[0]).toBe('rolegate: cannot start, 1 dependency problem:');
    expect(lines[1]).toMatch(/^ {2}database\.url \(DATABASE_URL\): cannot connect to PostgreSQL at 127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(lines).toHaveLength(2);
    expect(service.stderr()).not.toContain('pw@');
    expect(service.stderr()).not.toMatch(/\n\s+at /);
  });

  it('when REDIS_URL points nowhere, then it exits non-zero naming REDIS_URL', async () => {
    const database = await createTestDatabase();
    try {
      const service = start({
        env: { DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', ROLEGATE_PORT: '0', ROLEGATE_REDIS_CONNECT_TIMEOUT_MS: '500' },
      });
      expect((await service.exit()).code).toBe(69);
      expect(service.stderr()).toMatch(/^ {2}redis\.url \(REDIS_URL\): cannot connect to Redis at 127\.0\.0\.1:1: .*ECONNREFUSED/m);
    } finally {
      await database.drop();
    }
  });

  it('when the config file and environment are invalid, then it exits 78 with one line per problem naming each key', async () => {
    const file = path.join(tempDir(), 'rolegate.yaml');
    writeFileSync(file, 'server:\n  port: 99999\nlog:\n  levle: debug\n');
    const service = start({ env: { ROLEGATE_CONFIG: file, REDIS_URL: 'not-a-url' } });
    expect((await service.exit()).code).toBe(78);
    expect(service.stderr().trim().split('\n')).toEqual([
      'rolegate: the configuration has 3 problems:',
      `  server.port (${file} line 2): expected an integer from 0 to 65535, got 99999`,
      '  redis.url (env REDIS_URL): expected a redis:// or rediss:// URL, got a value that is not shown (secret)',
      `  log.levle (${file} line 4): unknown key; did you mean log.level?`,
    ]);
  });
});

describe('running on real Postgres and Redis', () => {
  let database: TestDatabase;
  let redis: DisposableRedis;
  const prefix = uniqueRedisPrefix();
  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await DisposableRedis.start();
  });
  afterAll(async () => {
    await redis.kill();
    await deleteRedisKeys(prefix);
    await database.drop();
  });

  it('when Redis dies, then /readyz turns 503 naming redis, and recovers by itself when Redis returns', async () => {
    const service = start({ env: { DATABASE_URL: database.url, REDIS_URL: redis.url, ROLEGATE_REDIS_PREFIX: prefix, ROLEGATE_PORT: '0' } });
    const url = await service.ready();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await redis.kill();
    const down = await waitFor(async () => {
      const res = await fetch(`${url}/readyz`);
      return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : undefined;
    }, 'readiness to fail');
    expect(down).toMatchObject({ status: 'unavailable', unavailable: ['redis'], checks: { postgres: { ok: true }, redis: { ok: false } } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await redis.restart();
    await waitFor(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 'readiness to recover', 15_000);
    await service.waitForLog((l) => l.msg === 'redis connection restored', 'the recovery to be logged');
  });

  it('when SIGTERM arrives during a slow request, then that request completes and the process exits 0', async () => {
    const service = start({
      env: { DATABASE_URL: database.url, REDIS_URL: testRedisUrl, ROLEGATE_REDIS_PREFIX: prefix, ROLEGATE_PORT: '0' },
    });
    const url = new URL(await service.ready());
    const body = JSON.stringify({ 'csp-report': { 'document-uri': 'http://localhost/', 'violated-directive': 'script-src' } });

    // A client that sends its body slowly: the request is in flight until the last byte.
    let connected!: () => void;
    const accepted = new Promise<void>((resolve) => (connected = resolve));
    const response = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/csp-report',
          method: 'POST',
          headers: { 'Content-Type': 'application/csp-report', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.on('socket', (socket) => socket.once('connect', connected));
      req.write(body.slice(0, 10));
      void service.waitForLog((l) => String(l.msg).startsWith('shutting down'), 'shutdown to begin').then(() => req.end(body.slice(10)));
    });
    await accepted;
    // A later connection answered proves the server's event loop has accepted ours.
    expect((await fetch(new URL('/healthz', url))).status).toBe(200);
    service.child.kill('SIGTERM');

    expect(await response).toBe(204);
    const exit = await service.exit();
    expect(exit).toEqual({ code: 0, signal: null });
    const messages = service.logs().map((l) => l.msg);
    expect(messages.indexOf('content security policy violation reported')).toBeLessThan(messages.indexOf('rolegate stopped'));
  });
});

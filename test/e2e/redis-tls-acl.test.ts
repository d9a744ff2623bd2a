import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { DisposableRedis } from '../support/redis-server.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { makeTestCertificates, type TestCertificates } from '../support/test-certificates.js';

// Managed Redis (ElastiCache, MemoryDB, Redis Cloud…) means TLS, a private or
// provider CA, and ACL users: the built service against a real redis-server
// serving TLS only, with test keys generated for this run.

const PASSWORD = 'test-password-not-a-secret-7f3a';

let certificates: TestCertificates;
let otherCa: TestCertificates;
let redis: DisposableRedis;
let database: TestDatabase;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  certificates = makeTestCertificates('rolegate Redis TEST CA');
  otherCa = makeTestCertificates('an unrelated TEST CA');
  redis = await DisposableRedis.start({
    tls: certificates,
    // The default user is off: only the ACL user gets in. `rolegate` may run everything but CLIENT
    // TRACKING is refused to `notracking` (as some managed services do).
    args: [
      '--user', 'default', 'off',
      '--user', 'rolegate', 'on', `>${PASSWORD}`, '~*', '&*', '+@all',
      '--user', 'notracking', 'on', `>${PASSWORD}`, '~*', '&*', '+@all', '-client|tracking',
    ], // prettier-ignore
  });
  database = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await redis.kill();
  await database.drop();
});

afterEach(() => {
  for (const service of running.splice(0)) service.kill();
});

function start(env: Record<string, string>): ServiceProcess {
  const service = startService({ env: { DATABASE_URL: database.url, ROLEGATE_PORT: '0', ROLEGATE_REDIS_CONNECT_TIMEOUT_MS: '2000', ...env } });
  running.push(service);
  return service;
}

describe('Redis over TLS with an ACL user', { timeout: 60_000 }, () => {
  it('when REDIS_URL is rediss://user:password@… and the CA file signs the server, then it is ready on that Redis with its near cache', async () => {
    const service = start({ REDIS_URL: redis.urlWith(`rolegate:${PASSWORD}`), ROLEGATE_REDIS_CA_FILE: certificates.caFile });
    const url = await service.ready();
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { redis: { ok: true } } });
    expect(service.logs().filter((l) => String(l.msg).includes('client tracking'))).toEqual([]);
    expect(service.stdout()).not.toContain(PASSWORD);
  });

  it('when the server is reached by IP address, then redis.tls.servername names the certificate', async () => {
    const byIp = redis.urlWith(`rolegate:${PASSWORD}`).replace('localhost', '127.0.0.1');
    // 127.0.0.1 is not in the certificate (only localhost is): refused without the servername…
    const refused = start({ REDIS_URL: byIp, ROLEGATE_REDIS_CA_FILE: certificates.caFile });
    expect((await refused.exit()).code).toBe(69);
    expect(refused.stderr()).toMatch(/redis\.url \(REDIS_URL\): cannot connect to Redis at 127\.0\.0\.1:\d+: .*(altnames|ERR_TLS_CERT_ALTNAME_INVALID)/);
    // …and accepted with it.
    const named = start({ REDIS_URL: byIp, ROLEGATE_REDIS_CA_FILE: certificates.caFile, ROLEGATE_REDIS_TLS_SERVERNAME: 'localhost' });
    expect((await fetch(`${await named.ready()}/readyz`)).status).toBe(200);
  });

  it('when the password is wrong, then it exits non-zero naming REDIS_URL, and the password appears nowhere', async () => {
    const wrong = 'wrong-password-not-a-secret-91c2';
    const service = start({ REDIS_URL: redis.urlWith(`rolegate:${wrong}`), ROLEGATE_REDIS_CA_FILE: certificates.caFile });
    expect((await service.exit()).code).toBe(69);
    const lines = service.stderr().trim().split('\n');
    expect(lines[0]).toMatch(/^rolegate: cannot start, \d dependency problems?:$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}redis\.url \(REDIS_URL\): cannot connect to Redis at localhost:\d+: WRONGPASS/)]);
    expect(service.stderr() + service.stdout()).not.toContain(wrong);
    expect(service.stderr()).not.toMatch(/\n\s+at /);
  });

  it('when the CA file is not the one that signed the server, then it exits non-zero with the TLS reason', async () => {
    const service = start({ REDIS_URL: redis.urlWith(`rolegate:${PASSWORD}`), ROLEGATE_REDIS_CA_FILE: otherCa.caFile });
    expect((await service.exit()).code).toBe(69);
    expect(service.stderr()).toMatch(
      /^ {2}redis\.url \(REDIS_URL\): cannot connect to Redis at localhost:\d+: .*(self-signed certificate in certificate chain|unable to verify|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/m,
    );
    expect(service.stderr()).not.toContain(PASSWORD);
  });

  it('when no CA file is given for a private CA, then the server certificate is refused (Node verifies against public CAs)', async () => {
    const service = start({ REDIS_URL: redis.urlWith(`rolegate:${PASSWORD}`) });
    expect((await service.exit()).code).toBe(69);
    expect(service.stderr()).toMatch(/redis\.url \(REDIS_URL\): cannot connect to Redis at localhost:\d+: .*(certificate|CERT)/);
  });

  it('when the CA file is missing or not PEM, then the configuration is refused naming ROLEGATE_REDIS_CA_FILE', async () => {
    const notPem = path.join(certificates.dir, 'not-a-bundle.txt');
    writeFileSync(notPem, 'hello\n');
    const missing = start({ REDIS_URL: redis.urlWith(`rolegate:${PASSWORD}`), ROLEGATE_REDIS_CA_FILE: '/nonexistent/ca.pem' });
    expect((await missing.exit()).code).toBe(78);
    expect(missing.stderr()).toContain('redis.tls.caFile (env ROLEGATE_REDIS_CA_FILE): cannot read /nonexistent/ca.pem: no such file');
    const garbage = start({ REDIS_URL: redis.urlWith(`rolegate:${PASSWORD}`), ROLEGATE_REDIS_CA_FILE: notPem });
    expect((await garbage.exit()).code).toBe(78);
    expect(garbage.stderr()).toContain(`redis.tls.caFile (env ROLEGATE_REDIS_CA_FILE): ${notPem} holds no PEM certificate`);
  });

  it('when a CA file is given with a plain redis:// URL, then the configuration is refused (it would not be used)', async () => {
    const service = start({ REDIS_URL: 'redis://127.0.0.1:6379', ROLEGATE_REDIS_CA_FILE: certificates.caFile });
    expect((await service.exit()).code).toBe(78);
    expect(service.stderr()).toContain('redis.tls.caFile (env ROLEGATE_REDIS_CA_FILE): needs a rediss:// (TLS) redis.url (REDIS_URL)');
  });
});

describe('Redis that refuses client tracking', { timeout: 60_000 }, () => {
  it('when the ACL user may not run CLIENT TRACKING, then start-up says so in one line and runs with the near cache off', async () => {
    const service = start({ REDIS_URL: redis.urlWith(`notracking:${PASSWORD}`), ROLEGATE_REDIS_CA_FILE: certificates.caFile });
    const url = await service.ready();
    const said = service.logs().filter((l) => String(l.msg).includes('client tracking'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 'warn' });
    expect(String(said[0]?.msg)).toContain('the near cache is off');
    expect(String(said[0]?.reason)).toContain("NOPERM this user has no permissions to run the 'client|tracking' command");
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});

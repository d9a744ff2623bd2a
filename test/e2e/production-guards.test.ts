import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { deleteRedisKeys, testRedisUrl, uniqueRedisPrefix } from '../support/redis.js';
import { startService, type ServiceProcess } from '../support/service-process.js';

// The built service (dist/main.js) in production mode, as operators run it: plain-http URLs
// that carry credentials or trust are refused at start-up (exit 78), unless they are loopback
// and the operator opted in, which every start then says at warn.

const running: ServiceProcess[] = [];
afterEach(() => {
  for (const service of running.splice(0)) service.kill();
});

const production = {
  ROLEGATE_MODE: 'production',
  ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
  ROLEGATE_ENCRYPTION_KEYS: Buffer.alloc(32, 9).toString('base64'),
  ROLEGATE_PORT: '0',
  ROLEGATE_HOST: '127.0.0.1',
};
const samlMetadataIdp = (url: string) =>
  JSON.stringify([{ slug: 'adfs', displayName: 'AD FS', kind: 'saml', settings: {}, metadata: { url } }]);

describe('production mode and plain http', () => {
  let database: TestDatabase;
  const prefix = uniqueRedisPrefix();
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await deleteRedisKeys(prefix);
    await database.drop();
  });

  it('when the STS endpoint and the IdP metadata URL are plain http, then it exits 78 naming both, before connecting anything', async () => {
    const service = startService({
      env: {
        ...production,
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/unused',
        REDIS_URL: 'redis://127.0.0.1:1',
        ROLEGATE_STS_ENDPOINT: 'http://sts.corp.example',
        ROLEGATE_IDENTITY_PROVIDERS: samlMetadataIdp('http://127.0.0.1:8443/FederationMetadata.xml'),
      },
    });
    running.push(service);
    expect((await service.exit()).code).toBe(78);
    const lines = service.stderr().trim().split('\n');
    expect(lines[0]).toBe('rolegate: the configuration has 2 problems:');
    expect(lines[1]).toMatch(/^ {2}sts\.endpoint \(env ROLEGATE_STS_ENDPOINT\): expected an https:\/\/ URL in production mode/);
    expect(lines[2]).toMatch(
      /^ {2}identityProviders\.0\.metadata\.url \(env ROLEGATE_IDENTITY_PROVIDERS\): expected an https:\/\/ URL in production mode .*ROLEGATE_ALLOW_INSECURE_LOOPBACK/,
    );
  });

  it('when allowInsecureLoopback is set with a loopback STS endpoint, then it starts and says so at warn, naming the URL', async () => {
    const service = startService({
      env: {
        ...production,
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl,
        ROLEGATE_REDIS_PREFIX: prefix,
        ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true',
        ROLEGATE_STS_ENDPOINT: 'http://127.0.0.1:4566',
      },
    });
    running.push(service);
    const url = await service.ready(60_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const warnings = service.logs().filter((l) => String(l.msg).startsWith('INSECURE LOOPBACK'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      event: 'insecure-loopback',
      plainHttpUrls: [{ key: 'sts.endpoint', url: 'http://127.0.0.1:4566' }],
    });
    expect(String(warnings[0]?.msg)).toContain('sts.endpoint=http://127.0.0.1:4566');
  }, 90_000);
});

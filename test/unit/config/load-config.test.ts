import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

function yamlFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rolegate-config-')), 'rolegate.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected the configuration to be refused');
  return result.problems;
}

describe('loadConfig', () => {
  it('when nothing is configured, then it runs in demo mode on embedded defaults on loopback', () => {
    const result = loadConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.mode).toBe('demo');
    expect(result.config.database.url).toBeUndefined();
    expect(result.config.redis.url).toBeUndefined();
    expect(result.config.database.autoMigrate).toBe(true);
    expect(result.config.server.host).toBe('127.0.0.1');
    expect(result.config.server.port).toBe(8080);
    expect(result.config.server.publicUrl.href).toBe('http://localhost:8080/');
  });

  it('when environment and file both set a key, then the environment wins', () => {
    const file = yamlFile('server:\n  port: 9000\n  trustProxy: 1\nlog:\n  level: debug\n');
    const result = loadConfig({ ROLEGATE_CONFIG: file, ROLEGATE_PORT: '9100' });
    expect(result.ok && result.config.server.port).toBe(9100);
    expect(result.ok && result.config.server.trustProxy).toBe(1);
    expect(result.ok && result.config.log.level).toBe('debug');
  });

  it('when an environment value is malformed, then the problem names the key, the variable, the expectation and the value', () => {
    expect(problemsOf({ ROLEGATE_PORT: 'eighty' })).toEqual([
      'server.port (env ROLEGATE_PORT): expected an integer from 0 to 65535, got "eighty"',
    ]);
  });

  it('when several values are wrong, then every problem is reported at once, one line each', () => {
    const problems = problemsOf({ ROLEGATE_PORT: '70000', ROLEGATE_AUTO_MIGRATE: 'maybe', LOG_LEVEL: 'loud', ROLEGATE_MODE: 'prod' });
    expect(problems).toHaveLength(4);
    expect(problems).toContain('mode (env ROLEGATE_MODE): expected one of demo, production, got "prod"');
    expect(problems).toContain('database.autoMigrate (env ROLEGATE_AUTO_MIGRATE): expected true or false, got "maybe"');
    expect(problems.every((p) => !p.includes('\n'))).toBe(true);
  });

  it('when DATABASE_URL is not a postgres URL, then the value is not echoed because it may hold a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://root:hunter2@db/rolegate' });
    expect(problems).toEqual([
      'database.url (env DATABASE_URL): expected a postgres:// or postgresql:// URL, got a value that is not shown (secret)',
    ]);
    expect(problems.join()).not.toContain('hunter2');
  });

  it('when REDIS_URL is not a redis URL, then it is refused naming REDIS_URL', () => {
    expect(problemsOf({ REDIS_URL: 'localhost:6379' })).toEqual([
      'redis.url (env REDIS_URL): expected a redis:// or rediss:// URL, got a value that is not shown (secret)',
    ]);
  });

  it('when the file has a wrong value or an unknown key, then the problem gives the file line and a suggestion', () => {
    const file = yamlFile('mode: demo\nserver:\n  port: "abc"\n  prot: 1\n');
    expect(problemsOf({ ROLEGATE_CONFIG: file })).toEqual([
      `server.port (${file} line 3): expected an integer from 0 to 65535, got "abc"`,
      `server.prot (${file} line 4): unknown key; did you mean server.port?`,
    ]);
  });

  it('when the file is not valid YAML, then the problem gives line and column', () => {
    const file = yamlFile('server:\n  port: [1, 2\n');
    const [problem] = problemsOf({ ROLEGATE_CONFIG: file });
    expect(problem).toMatch(new RegExp(`^${file}:\\d+:\\d+: invalid YAML: `));
  });

  it('when the file does not exist, then ROLEGATE_CONFIG is named', () => {
    expect(problemsOf({ ROLEGATE_CONFIG: '/nonexistent/rolegate.yaml' })).toEqual([
      'ROLEGATE_CONFIG: cannot read /nonexistent/rolegate.yaml: no such file',
    ]);
  });

  it('when production mode lacks the database, Redis and an https public URL, then each is required', () => {
    expect(problemsOf({ ROLEGATE_MODE: 'production', ROLEGATE_PUBLIC_URL: 'http://rolegate.corp.example' })).toEqual([
      'database.url (not set): is required in production mode (embedded defaults are for demos only)',
      'redis.url (not set): is required in production mode (embedded defaults are for demos only)',
      'server.publicUrl (env ROLEGATE_PUBLIC_URL): expected an https:// URL in production mode',
      'encryption.keys (not set): is required in production mode (cached credentials and signing keys are encrypted with it)',
    ]);
  });

  it('when production mode is complete, then it listens on all interfaces and does not auto-migrate', () => {
    const result = loadConfig({
      ROLEGATE_MODE: 'production',
      DATABASE_URL: 'postgresql://rolegate:pw@db:5432/rolegate',
      REDIS_URL: 'redis://cache:6379',
      ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
      ROLEGATE_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.server.host).toBe('0.0.0.0');
    expect(result.config.database.autoMigrate).toBe(false);
    expect(JSON.stringify(result.config)).not.toContain(':pw@');
  });

  it('when an environment variable is empty, then it counts as unset', () => {
    const result = loadConfig({ REDIS_URL: '', ROLEGATE_PORT: ' ' });
    expect(result.ok && result.config.redis.url).toBeUndefined();
    expect(result.ok && result.config.server.port).toBe(8080);
  });

  it('when loading the shipped example file, then it is valid', () => {
    const result = loadConfig({ ROLEGATE_CONFIG: path.join(import.meta.dirname, '../../../config/rolegate.example.yaml') });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('when encryption keys are given, then each must be base64 of 32 bytes and the value is never echoed', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    const result = loadConfig({ ROLEGATE_ENCRYPTION_KEYS: ` ${key} , ${Buffer.alloc(32, 2).toString('base64')}` });
    expect(result.ok && result.config.encryption.keys?.reveal().map((k) => k[0])).toEqual([1, 2]);
    expect(JSON.stringify(result.ok && result.config)).not.toContain(key);
    const problems = problemsOf({ ROLEGATE_ENCRYPTION_KEYS: 'c2hvcnQ=' });
    expect(problems).toEqual([
      'encryption.keys.0 (env ROLEGATE_ENCRYPTION_KEYS): expected comma-separated base64-encoded 32-byte keys (make one with `openssl rand -base64 32`), got a value that is not shown (secret)',
    ]);
    expect(problemsOf({ ROLEGATE_ENCRYPTION_KEYS: `${key},${key}` })[0]).toMatch(/a key is listed twice/);
  });

  it('when nothing is set for the issuer, then the entity id and web-identity issuer derive from the public URL', () => {
    const result = loadConfig({ ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example/sso/' });
    expect(result.ok && result.config.issuer).toMatchObject({
      entityId: 'https://rolegate.corp.example/sso/saml/metadata',
      webIdentityIssuer: 'https://rolegate.corp.example/sso',
      webIdentityAudience: 'sts.amazonaws.com',
      assertionLifetimeSeconds: 300,
      keyBits: 2048,
    });
  });

  it('when both a signing key file and a PEM are given, or published files without either, then each is a problem', () => {
    expect(problemsOf({ ROLEGATE_SIGNING_KEY_FILE: '/etc/rolegate/key.pem', ROLEGATE_SIGNING_KEY: 'PEM' })).toEqual([
      'issuer.signingKey (env ROLEGATE_SIGNING_KEY): set either issuer.signingKey or issuer.signingKeyFile, not both',
    ]);
    expect(problemsOf({ ROLEGATE_PUBLISHED_KEY_FILES: '/etc/rolegate/next.pem' })[0]).toMatch(
      /^issuer.publishedKeyFiles \(env ROLEGATE_PUBLISHED_KEY_FILES\): only used with/,
    );
    expect(problemsOf({ ROLEGATE_SIGNING_KEY_BITS: '3000' })[0]).toMatch(/^issuer.keyBits/);
    expect(problemsOf({ ROLEGATE_ASSERTION_LIFETIME_SECONDS: '600' })[0]).toMatch(/^issuer.assertionLifetimeSeconds .*from 30 to 300/);
  });

  it('when production mode uses a plain-http web-identity issuer, then it is refused', () => {
    const problems = problemsOf({
      ROLEGATE_MODE: 'production',
      DATABASE_URL: 'postgresql://db/rolegate',
      REDIS_URL: 'redis://cache:6379',
      ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
      ROLEGATE_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString('base64'),
      ROLEGATE_WEB_IDENTITY_ISSUER: 'http://rolegate.corp.example',
    });
    expect(problems).toEqual([
      'issuer.webIdentityIssuer (env ROLEGATE_WEB_IDENTITY_ISSUER): expected an https:// URL in production mode (AWS fetches its keys)',
    ]);
  });

  it('when production mode names a plain-http federation endpoint or a stand-in console, then both are refused', () => {
    const problems = problemsOf({
      ROLEGATE_MODE: 'production',
      DATABASE_URL: 'postgresql://db/rolegate',
      REDIS_URL: 'redis://cache:6379',
      ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
      ROLEGATE_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString('base64'),
      ROLEGATE_FEDERATION_ENDPOINT: 'http://127.0.0.1:4566/federation',
      ROLEGATE_CONSOLE_URL: 'http://127.0.0.1:4566/console/',
    });
    expect(problems).toEqual([
      'console.federationEndpoint (env ROLEGATE_FEDERATION_ENDPOINT): expected an https:// URL in production mode (getSigninToken carries credentials); only a sidecar on loopback may use http, with allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK)',
      'console.consoleUrl (env ROLEGATE_CONSOLE_URL): a stand-in console is for demos and tests; not allowed in production mode',
    ]);
  });

  it('when the console section is not set, then the partition endpoints are used with a 5 s timeout', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.console).toEqual({ timeoutMs: 5000 });
  });

  it('when session tags are configured from the environment, then pairs and lists are parsed and bad keys refused', () => {
    const result = loadConfig({
      ROLEGATE_SESSION_TAG_ATTRIBUTES: 'Email=email, User=username',
      ROLEGATE_SESSION_TAG_GROUPS: 'team-*,aws-*',
      ROLEGATE_SESSION_TAG_TRANSITIVE: 'Email',
    });
    expect(result.ok && result.config.sessionTags).toEqual({
      attributes: { Email: 'email', User: 'username' },
      groupPatterns: ['team-*', 'aws-*'],
      groupKeyPrefix: 'group:',
      transitiveKeys: ['Email'],
    });
    expect(problemsOf({ ROLEGATE_SESSION_TAG_ATTRIBUTES: 'Email=password' })[0]).toMatch(
      /^sessionTags.attributes.Email .*values among subject/,
    );
    expect(problemsOf({ ROLEGATE_SESSION_TAG_ATTRIBUTES: 'aws:Email=email' })).toEqual([
      'sessionTags.attributes (env ROLEGATE_SESSION_TAG_ATTRIBUTES): tag key "aws:Email" uses the reserved prefix aws:',
    ]);
  });

  it('when the signing key is given as PEM in the environment, then it is kept as a secret that never prints', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const result = loadConfig({ ROLEGATE_SIGNING_KEY: pem });
    expect(result.ok && result.config.issuer.signingKey?.reveal()).toBe(pem);
    expect(JSON.stringify(result.ok && result.config)).not.toContain('MIIEvQ');
  });
});

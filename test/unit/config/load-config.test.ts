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
    ]);
  });

  it('when production mode is complete, then it listens on all interfaces and does not auto-migrate', () => {
    const result = loadConfig({
      ROLEGATE_MODE: 'production',
      DATABASE_URL: 'postgresql://rolegate:pw@db:5432/rolegate',
      REDIS_URL: 'redis://cache:6379',
      ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
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
});

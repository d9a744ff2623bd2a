import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliHome } from '../support/cli-process.js';
import { cliSignedIn, startCliWorld, type ProcessCredentials } from '../support/cli-world.js';
import type { ExchangeWorld } from '../support/exchange-world.js';

// One world, stopped in beforeAll once the CLI has cached credentials: every test here runs with the broker down.
let world: ExchangeWorld | undefined;
let brokerUrl: string;
let home: CliHome;
let developer: string;
let readOnly: string;
beforeAll(async () => {
  const started = await startCliWorld();
  world = started;
  brokerUrl = started.app.url;
  home = await cliSignedIn(started, await started.signIn('alice'));
  developer = (await runCli(['credential-process', '--account', 'sandbox', '--role', 'Developer'], home)).stdout;
  readOnly = (await runCli(['credential-process', '--account', 'sandbox', '--role', 'ReadOnly'], home)).stdout;
  expect(JSON.parse(developer)).toHaveProperty('AccessKeyId');
  await started.close();
  world = undefined;
}, 90_000);
afterAll(async () => {
  await world?.close();
});

/** Makes the cached credentials for `role` look 50 minutes old: 10 minutes left, inside the refresh margin. */
function ageCacheEntry(role: string) {
  const dir = path.join(home.configDir, 'cache');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const entry = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      key: string;
      credentials: ProcessCredentials;
      obtainedAt: number;
    };
    if (!entry.key.endsWith(`\n${role}\n`)) continue;
    entry.credentials.Expiration = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    entry.obtainedAt = Date.now() - 50 * 60_000;
    writeFileSync(path.join(dir, file), JSON.stringify(entry), { mode: 0o600 });
    return entry.credentials;
  }
  throw new Error(`no cache entry for ${role}`);
}

describe('rolegate credential-process with the broker down', () => {
  it('when the cache holds credentials beyond the margin, then they are printed without any network', async () => {
    const { code, stdout, stderr } = await runCli(['credential-process', '--account', 'sandbox', '--role', 'Developer'], home);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(developer);
  });

  it('when the cached credentials need a refresh but are still valid, then they are printed at once with a warning on stderr', async () => {
    const aged = ageCacheEntry('ReadOnly');
    const started = Date.now();
    const { code, stdout, stderr } = await runCli(['credential-process', '--account', 'sandbox', '--role', 'ReadOnly'], home);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual(aged);
    expect(JSON.parse(stdout)).toMatchObject({ AccessKeyId: (JSON.parse(readOnly) as ProcessCredentials).AccessKeyId });
    expect(stderr).toMatch(
      /^rolegate: warning: could not refresh the credentials \(cannot reach the rolegate broker at .+\); using the cached ones, valid for 9 min \d+ s more\n$/,
    );
    expect(stderr).not.toContain(aged.SecretAccessKey);
  });

  it('when the broker accepts connections but never answers, then the cache answers after the 2 s refresh timeout', async () => {
    const aged = ageCacheEntry('Developer');
    // A black hole where the broker was: connections are accepted and held, nothing is ever answered.
    const held: Socket[] = [];
    const blackHole = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(Number(new URL(brokerUrl).port), '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const { code, stdout, stderr } = await runCli(['credential-process', '--account', 'sandbox', '--role', 'Developer'], home);
      const elapsed = Date.now() - started;
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toEqual(aged);
      expect(stderr).toContain('no answer within 2 s');
      expect(stderr).toContain('using the cached ones');
      expect(elapsed).toBeGreaterThanOrEqual(2_000);
      expect(elapsed).toBeLessThan(8_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it('when nothing is cached for the role, then exit 4 naming the broker', async () => {
    const { code, stdout, stderr } = await runCli(['credential-process', '--account', 'prod', '--role', 'ReadOnly'], home);
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^rolegate: cannot reach the rolegate broker at http:\/\/127\.0\.0\.1:\d+/);
  });
});

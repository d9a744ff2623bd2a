import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliHome } from '../support/cli-process.js';
import { cliSignedIn, startCliWorld } from '../support/cli-world.js';
import type { ExchangeWorld } from '../support/exchange-world.js';

let world: ExchangeWorld;
beforeAll(async () => {
  world = await startCliWorld();
}, 90_000);
afterAll(async () => {
  await world.close();
});

/**
 * A fake `secret-tool` (the Secret Service CLI) on PATH: it keeps secrets in files of its own directory
 * and logs its argv, so a test can check what was stored and that no secret was ever an argument.
 * Never the real user keyring.
 */
function fakeSecretTool(): { bin: string; store: string; log: string } {
  const bin = mkdtempSync(path.join(tmpdir(), 'rolegate-fake-keyring-'));
  const store = path.join(bin, 'secret');
  const log = path.join(bin, 'argv.log');
  writeFileSync(
    path.join(bin, 'secret-tool'),
    `#!/bin/sh
echo "$*" >> '${log}'
case "$1" in
  store) cat > '${store}' ;;
  lookup) [ -f '${store}' ] && cat '${store}' || exit 1 ;;
  clear) rm -f '${store}' ;;
  *) exit 2 ;;
esac
`,
  );
  chmodSync(path.join(bin, 'secret-tool'), 0o755);
  return { bin, store, log };
}

const tokensOf = (home: CliHome) =>
  JSON.parse(readFileSync(path.join(home.configDir, 'tokens.json'), 'utf8')) as {
    refreshToken: string;
    refreshTokenIn?: string;
    accessTokenExpiresAt: number;
  };

/** Makes the stored access token look expired, so the next call refreshes. */
function expireAccessToken(home: CliHome): void {
  const file = path.join(home.configDir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ ...tokensOf(home), accessTokenExpiresAt: Date.now() - 1000 }), { mode: 0o600 });
}

describe('the refresh token in the OS keychain', () => {
  it('when login --keychain, then the refresh token is in the keychain only, refreshing rotates it there, and logout removes it', async () => {
    const keyring = fakeSecretTool();
    const alice = await world.signIn('alice');
    const env = { PATH: `${keyring.bin}:${process.env.PATH ?? ''}` };
    const signedIn = await cliSignedIn(world, alice, env, ['--keychain']);
    const settings = JSON.parse(readFileSync(path.join(signedIn.configDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(settings.refreshTokenStore).toBe('keychain');
    const stored = tokensOf(signedIn);
    expect(stored.refreshToken).toBe('');
    expect(stored.refreshTokenIn).toBe('keychain');
    const first = readFileSync(keyring.store, 'utf8');
    expect(first).toMatch(/^rgrt_/);

    expireAccessToken(signedIn);
    const whoami = await runCli(['whoami'], signedIn);
    expect(whoami.code, whoami.stderr).toBe(0);
    const rotated = readFileSync(keyring.store, 'utf8');
    expect(rotated).toMatch(/^rgrt_/);
    expect(rotated).not.toBe(first);
    expect(tokensOf(signedIn).refreshToken).toBe('');
    expect(readFileSync(path.join(signedIn.configDir, 'tokens.json'), 'utf8')).not.toContain(rotated);

    const logout = await runCli(['logout'], signedIn);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stderr).not.toContain('could not');
    expect(existsSync(keyring.store)).toBe(false);
    // No secret was ever an argument (ps would show it).
    const argv = readFileSync(keyring.log, 'utf8');
    expect(argv).not.toContain(first);
    expect(argv).not.toContain(rotated);
    expect(argv).toContain('store --label');
  }, 120_000);

  it('when the keychain is wanted but its tool is missing, then login warns and keeps the token in the 0600 file', async () => {
    // A PATH with nothing on it: no secret-tool — and never the real keyring of the machine running the tests.
    const home = await cliSignedIn(world, await world.signIn('alice'), { PATH: mkdtempSync(path.join(tmpdir(), 'rolegate-empty-path-')) }, [
      '--keychain',
    ]);
    expect(tokensOf(home).refreshToken).toMatch(/^rgrt_/);
    expect(tokensOf(home).refreshTokenIn).toBeUndefined();
  }, 60_000);

  it('when the keychain lost the token, then commands that need it say to sign in again (exit 3)', async () => {
    const keyring = fakeSecretTool();
    const env = { PATH: `${keyring.bin}:${process.env.PATH ?? ''}` };
    const home = await cliSignedIn(world, await world.signIn('alice'), env, ['--keychain']);
    expect(tokensOf(home).refreshTokenIn).toBe('keychain');
    writeFileSync(keyring.store, '');
    expireAccessToken(home);
    const result = await runCli(['whoami'], home);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^rolegate: the refresh token is not in the OS keychain \(secret-tool: .*\)\nhint: run `rolegate login`\n$/,
    );
  }, 60_000);
});

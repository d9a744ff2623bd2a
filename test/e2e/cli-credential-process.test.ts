import { readdirSync, readFileSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHome, runCli, startCli, type CliHome } from '../support/cli-process.js';
import { brokerCredentialRequests, callerArnOf, cliSignedIn, startCliWorld, type ProcessCredentials } from '../support/cli-world.js';
import { SANDBOX, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

let world: ExchangeWorld;
let alice: SignedIn;
let home: CliHome;
beforeAll(async () => {
  world = await startCliWorld();
  alice = await world.signIn('alice');
  home = await cliSignedIn(world, alice);
}, 90_000);
afterAll(async () => {
  await world.close();
});

const cacheDir = (h: CliHome) => path.join(h.configDir, 'cache');
const cacheFiles = (h: CliHome) => readdirSync(cacheDir(h)).filter((f) => f.endsWith('.json'));

function credentialProcess(h: CliHome, account: string, role: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCli(['credential-process', '--account', account, '--role', role, ...extra], h, env);
}

describe('rolegate credential-process', () => {
  it('when signed in, then stdout is exactly the Version 1 JSON, for credentials STS knows as the user, and nothing else is printed', async () => {
    const { code, stdout, stderr } = await credentialProcess(home, 'sandbox', 'Developer');
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const output = JSON.parse(stdout) as ProcessCredentials;
    expect(Object.keys(output)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(output.Version).toBe(1);
    expect(output.Expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(output.Expiration) - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(await callerArnOf(world, output)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
    // Cached: 0600 in a 0700 directory.
    const [file = ''] = cacheFiles(home);
    expect(statSync(path.join(cacheDir(home), file)).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir(home)).mode & 0o777).toBe(0o700);
  });

  it('when the cached credentials have more than the margin left, then the answer comes from the cache without a broker request', async () => {
    const first = await credentialProcess(home, SANDBOX, 'ReadOnly');
    expect(first.code, first.stderr).toBe(0);
    const before = await brokerCredentialRequests(world);
    const second = await credentialProcess(home, SANDBOX, 'ReadOnly');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(await brokerCredentialRequests(world)).toBe(before);
  });

  it('when the cached credentials are inside the refresh margin, then the broker is asked again and the new answer cached', async () => {
    const h = await cliSignedIn(world, alice);
    const first = await credentialProcess(h, 'sandbox', 'WebIdentityDeveloper');
    expect(first.code, first.stderr).toBe(0);
    // 50 minutes later: 10 minutes left, inside the 20-minute margin.
    const [file = ''] = cacheFiles(h);
    const entryFile = path.join(cacheDir(h), file);
    const entry = JSON.parse(readFileSync(entryFile, 'utf8')) as { credentials: ProcessCredentials; obtainedAt: number };
    entry.credentials.Expiration = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    entry.obtainedAt = Date.now() - 50 * 60_000;
    writeFileSync(entryFile, JSON.stringify(entry), { mode: 0o600 });
    const before = await brokerCredentialRequests(world);
    const refreshed = await credentialProcess(h, 'sandbox', 'WebIdentityDeveloper');
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(await brokerCredentialRequests(world)).toBe(before + 1);
    const output = JSON.parse(refreshed.stdout) as ProcessCredentials;
    expect(Date.parse(output.Expiration) - Date.now()).toBeGreaterThan(20 * 60_000);
    expect((JSON.parse(readFileSync(entryFile, 'utf8')) as { credentials: ProcessCredentials }).credentials).toEqual(output);
  });

  it('when the local cache is empty (the cold start that asks the broker), then only the credential path and node:http load: no undici, child_process, fs/promises, OAuth client or keychain', async () => {
    const h = await cliSignedIn(world, alice);
    // Preloaded before the CLI: writes the built-ins and CLI modules loaded after it, at exit.
    const recorder = path.join(h.home, 'record-modules.mjs');
    writeFileSync(
      recorder,
      `const before = new Set(process.moduleLoadList);
       process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(${JSON.stringify(path.join(h.home, 'modules.txt'))},
         process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));`,
    );
    const { code, stdout, stderr } = await credentialProcess(h, 'sandbox', 'Developer', [], {
      NODE_OPTIONS: `--import=${pathToFileURL(recorder).href}`,
      NODE_DEBUG: 'esm',
    });
    expect(code, stderr).toBe(0);
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    const builtins = readFileSync(path.join(h.home, 'modules.txt'), 'utf8').split('\n');
    expect(builtins).toContain('NativeModule http');
    expect(builtins.filter((m) => /undici|child_process|fs\/promises|readline|http2|zlib|worker_threads|crypto/.test(m))).toEqual([]);
    const cliModules = [...stderr.matchAll(/Storing file:\/\/\S+\/dist\/(\S+)/g)].map((m) => m[1] ?? '');
    expect(cliModules).toContain('cli/api-client.js');
    expect(cliModules.filter((m) => /oauth-client|token-refresh|token-secrets|keychain|contracts\/|program|commander/.test(m))).toEqual([]);
  });

  it('when ten processes start at once with an empty cache, then exactly one request reaches the broker and all print the same credentials', async () => {
    const h = await cliSignedIn(world, alice);
    const before = await brokerCredentialRequests(world);
    const runs = Array.from({ length: 10 }, () =>
      startCli(['credential-process', '--account', 'prod', '--role', 'BrokerReadOnly'], h).exit(),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(new Set(results.map((r) => (JSON.parse(r.stdout) as ProcessCredentials).AccessKeyId)).size).toBe(1);
    expect(await brokerCredentialRequests(world)).toBe(before + 1);
  });

  it('when the CLI session was revoked on the portal, then exit 3 with "run `rolegate login`"', async () => {
    const h = await cliSignedIn(world, alice);
    const { sessions } = (await (await alice.api('/api/v1/cli-sessions')).json()) as { sessions: { id: string; createdAt: string }[] };
    const newest = [...sessions].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    expect((await alice.api(`/api/v1/cli-sessions/${newest?.id ?? ''}`, { method: 'DELETE' })).status).toBe(204);
    const { code, stdout, stderr } = await credentialProcess(h, 'sandbox', 'Developer');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^rolegate: .+\nhint: run `rolegate login`\n$/);
  });

  it('when the user runs `rolegate logout`, then the cached credentials are gone too and the next run asks for a login', async () => {
    const h = await cliSignedIn(world, alice);
    const first = await credentialProcess(h, 'sandbox', 'Developer');
    expect(first.code, first.stderr).toBe(0);
    expect(cacheFiles(h)).toHaveLength(1);
    const out = await runCli(['logout'], h);
    expect(out.code, out.stderr).toBe(0);
    const after = await credentialProcess(h, 'sandbox', 'Developer');
    expect(after.code).toBe(3);
    expect(after.stdout).toBe('');
    expect(after.stderr).toMatch(/rolegate login/);
  });

  it('when not signed in, then exit 3 with the login hint and nothing on stdout', async () => {
    const { code, stdout, stderr } = await credentialProcess(cliHome({ ROLEGATE_URL: world.app.url }), 'sandbox', 'Developer');
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe(`rolegate: you are not signed in to ${world.app.url}\nhint: run \`rolegate login\`\n`);
  });

  it('when the role is not one of the user’s, then exit 5 with the broker’s reason', async () => {
    const { code, stdout, stderr } = await credentialProcess(home, 'prod', 'Admin');
    expect(code).toBe(5);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^rolegate: .*Admin/);
  });

  it('when a break-glass role is asked for without --justification, then it is a usage error naming the flag, for every command', async () => {
    const bob = await cliSignedIn(world, await world.signIn('bob'));
    for (const args of [
      ['credential-process', '--account', 'prod', '--role', 'BreakGlass'],
      ['exec', 'prod/BreakGlass', '--', 'true'],
      ['env', 'prod/BreakGlass'],
      ['console', 'prod/BreakGlass', '--print'],
      ['credential-process', 'prod/BreakGlass', '--justification', 'short'],
    ]) {
      const { code, stdout, stderr } = await runCli(args, bob);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^rolegate: .*--justification.*\nhint: \S.*\n$/);
    }
    const justified = await runCli(['credential-process', 'prod/BreakGlass', '--justification', 'prod is down, INC-4242'], bob);
    expect(justified.code, justified.stderr).toBe(0);
  });

  it('when the cache file is readable by others, then it is refused: exit 7 with the chmod to run', async () => {
    const h = await cliSignedIn(world, alice);
    expect((await credentialProcess(h, 'sandbox', 'Developer')).code).toBe(0);
    const [file = ''] = cacheFiles(h);
    chmodSync(path.join(cacheDir(h), file), 0o644);
    const { code, stdout, stderr } = await credentialProcess(h, 'sandbox', 'Developer');
    expect(code).toBe(7);
    expect(stdout).toBe('');
    expect(stderr).toContain(`run: chmod 600 ${path.join(cacheDir(h), file)}`);
  });

  it('when the arguments are wrong, then exit 2 saying what to fix', async () => {
    const margin = await credentialProcess(home, 'sandbox', 'Developer', ['--refresh-margin', 'soon']);
    expect(margin.code).toBe(2);
    expect(margin.stderr).toContain('--refresh-margin / ROLEGATE_REFRESH_MARGIN must be seconds');
  });
});

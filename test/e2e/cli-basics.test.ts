import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, cliHome, runCli, type CliHome } from '../support/cli-process.js';
import { freePort } from '../support/ports.js';

const COMMANDS = [
  'login',
  'logout',
  'whoami',
  'status',
  'credential-process',
  'roles',
  'exec',
  'configure',
  'console',
  'serve',
  'completion',
  'env',
  'export-credentials',
  'shell-init',
  'eks',
];

/** A home whose tokens.json says it is signed in to `broker` (tokens that no broker knows). */
function signedInHome(broker: string): CliHome {
  const home = cliHome();
  writeFileSync(
    path.join(home.configDir, 'tokens.json'),
    JSON.stringify({
      version: 1,
      broker,
      clientId: 'rolegate-cli',
      accessToken: 'rgat_00000000000000000000000000000000_' + 'A'.repeat(43),
      accessTokenExpiresAt: Date.now() + 600_000,
      refreshToken: 'rgrt_' + 'B'.repeat(43),
      refreshTokenExpiresAt: Date.now() + 3_600_000,
      deviceName: 'test',
      obtainedAt: Date.now(),
    }),
    { mode: 0o600 },
  );
  return home;
}

let notRolegate: Server;
let notRolegateUrl: string;
beforeAll(async () => {
  notRolegate = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Some other web server</h1>');
  });
  await new Promise<void>((resolve) => notRolegate.listen(0, '127.0.0.1', resolve));
  notRolegateUrl = `http://127.0.0.1:${String((notRolegate.address() as AddressInfo).port)}`;
});
afterAll(() => {
  notRolegate.close();
});

describe('help, version and usage errors', () => {
  it.each(['--help', ...COMMANDS.map((c) => `${c} --help`)])(
    'when `rolegate %s`, then help is printed on stdout and it exits 0',
    async (args) => {
      const { code, stdout } = await runCli(args.split(' '), cliHome());
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: rolegate/);
    },
  );

  it('when --version is asked, then the package version is printed', async () => {
    const { code, stdout } = await runCli(['--version'], cliHome());
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('when the command is unknown or an option is wrong, then exit 2 with one line and a hint', async () => {
    const unknown = await runCli(['frobnicate'], cliHome());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("rolegate: unknown command 'frobnicate'\nhint: see `rolegate --help`\n");
    const badOption = await runCli(['login', '--timeout', 'soon'], cliHome());
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/^rolegate: option '--timeout <seconds>' argument 'soon' is invalid/);
    const none = await runCli([], cliHome());
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: rolegate/);
  });
});

describe('credential-process (fast path)', () => {
  it('when it runs (even on a cache miss that goes to the network), then neither commander nor zod nor anything else from node_modules is loaded', () => {
    const home = signedInHome('http://127.0.0.1:9');
    const result = spawnSync(process.execPath, [builtCli, 'credential-process', '--account', 'sandbox', '--role', 'Dev'], {
      env: { ...home.env, NODE_DEBUG: 'esm' },
      encoding: 'utf8',
    });
    const loaded = [...result.stderr.matchAll(/Storing (\S+)/g)].map((m) => m[1] ?? '');
    expect(loaded.some((url) => url.endsWith('/dist/cli/commands/credential-process.js'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/dist/cli/api-client.js'))).toBe(true);
    expect(loaded.filter((url) => url.includes('node_modules'))).toEqual([]);
    expect(result.status).toBe(4);
  });

  it('when no broker is configured, then exit 8 on stderr and nothing on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['credential-process', '--account', '111111111111', '--role', 'Dev'], cliHome());
    expect(code).toBe(8);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^rolegate: no rolegate broker is configured\nhint: /);
  });

  it('when --role is missing or --duration is out of range, then exit 2 with what to fix', async () => {
    const missing = await runCli(['credential-process', '--account', '111111111111'], cliHome());
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('needs a role: account/role, or --account and --role') as string,
    });
    const duration = await runCli(['credential-process', '--account', 'a', '--role', 'r', '--duration', '60'], cliHome());
    expect(duration).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--duration must be whole seconds from 900 to 43200') as string,
    });
  });
});

describe('shell completion', () => {
  it('when bash sources the script, then it completes commands and the options of the command being typed', () => {
    const script = spawnSync(process.execPath, [builtCli, 'completion', 'bash'], { encoding: 'utf8' });
    expect(script.status).toBe(0);
    const file = path.join(cliHome().home, 'rolegate.bash');
    writeFileSync(file, script.stdout);
    const complete = (words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${String(words.length - 1)}; _rolegate; echo "\${COMPREPLY[*]}"`,
          'bash',
          file,
        ],
        { encoding: 'utf8' },
      ).stdout.trim();
    expect(complete(['rolegate', 'log'])).toBe('login logout');
    expect(complete(['rolegate', '--broker', 'https://x', 'login', '--no-b'])).toBe('--no-browser');
    expect(complete(['rolegate', 'completion', ''])).toContain('zsh');
    expect(complete(['rolegate', 'credential-process', '--ro'])).toBe('--role');
  });

  it('when zsh or fish scripts are printed, then they name every command and its options', async () => {
    const zsh = (await runCli(['completion', 'zsh'], cliHome())).stdout;
    expect(zsh).toMatch(/^#compdef rolegate\n/);
    expect(zsh).toContain('compdef _rolegate rolegate');
    const fish = (await runCli(['completion', 'fish'], cliHome())).stdout;
    for (const command of COMMANDS) {
      expect(zsh).toContain(`'${command}:`);
      expect(fish).toContain(`-a ${command} `);
    }
    expect(zsh).toContain("'--no-browser[");
    expect(fish).toContain('-l no-browser');
  });

  it('when the shell is unknown, then exit 2 naming the choices', async () => {
    expect(await runCli(['completion', 'tcsh'], cliHome())).toMatchObject({
      code: 2,
      stderr: 'rolegate: no completion for tcsh; choose one of bash, zsh, fish, powershell\nhint: see `rolegate --help`\n',
    });
  });
});

describe('broker URL and configuration', () => {
  it('when no broker is known, then exit 8 saying how to give one', async () => {
    const { code, stderr } = await runCli(['whoami'], cliHome());
    expect(code).toBe(8);
    expect(stderr).toBe(
      'rolegate: no rolegate broker is configured\nhint: pass --broker https://rolegate.example.com, set ROLEGATE_URL, or put {"broker": "…"} in config.json\n',
    );
  });

  it('when the broker is plain http to another host, then it is refused before anything is sent (exit 8)', async () => {
    const { code, stderr } = await runCli(['login', '--broker', 'http://rolegate.corp.example'], cliHome());
    expect(code).toBe(8);
    expect(stderr).toContain('refusing to use the plain-http broker http://rolegate.corp.example from --broker');
  });

  it('when nothing listens at the broker URL, then exit 4 naming it and the reason', async () => {
    const broker = `http://127.0.0.1:${String(await freePort())}`;
    const { code, stderr } = await runCli(['login', '--broker', broker], cliHome());
    expect(code).toBe(4);
    expect(stderr).toBe(
      `rolegate: cannot reach the rolegate broker at ${broker}: connection refused (is the URL right, and is rolegate running?)\nhint: check --broker / ROLEGATE_URL and your network\n`,
    );
  });

  it('when the URL is some other web server, then exit 6: it does not look like a rolegate broker', async () => {
    const { code, stderr } = await runCli(['login', '--broker', notRolegateUrl], cliHome());
    expect(code).toBe(6);
    expect(stderr).toContain(`${notRolegateUrl} does not look like a rolegate broker`);
  });

  it('when config.json, ROLEGATE_URL and --broker disagree, then --broker wins, then ROLEGATE_URL, then config.json', async () => {
    const home = signedInHome('http://127.0.0.1:1');
    writeFileSync(path.join(home.configDir, 'config.json'), JSON.stringify({ broker: 'http://127.0.0.1:2' }), { mode: 0o600 });
    const fromConfig = await runCli(['whoami'], home);
    expect(fromConfig.stderr).toContain('you are signed in to http://127.0.0.1:1, not to http://127.0.0.1:2');
    const fromEnv = await runCli(['whoami'], home, { ROLEGATE_URL: 'http://127.0.0.1:3/' });
    expect(fromEnv.stderr).toContain('not to http://127.0.0.1:3');
    const fromFlag = await runCli(['whoami', '--broker', 'http://127.0.0.1:4'], home, { ROLEGATE_URL: 'http://127.0.0.1:3' });
    expect(fromFlag).toMatchObject({ code: 3, stderr: expect.stringContaining('not to http://127.0.0.1:4') as string });
  });

  it('when config.json is not JSON or has an unknown key, then exit 8 naming the file', async () => {
    const home = cliHome();
    writeFileSync(path.join(home.configDir, 'config.json'), '{"borker": "x"}', { mode: 0o600 });
    expect(await runCli(['whoami'], home)).toMatchObject({ code: 8, stderr: expect.stringContaining('unknown key "borker"') as string });
    writeFileSync(path.join(home.configDir, 'config.json'), '{', { mode: 0o600 });
    expect(await runCli(['whoami'], home)).toMatchObject({
      code: 8,
      stderr: expect.stringContaining('config.json is not valid JSON') as string,
    });
  });

  it('when ROLEGATE_CONFIG_DIR is unset, then XDG_CONFIG_HOME/rolegate is used, else ~/.config/rolegate, created 0700', async () => {
    const home = cliHome();
    const env = { ...home.env, ROLEGATE_CONFIG_DIR: '' };
    const xdg = path.join(home.home, 'xdg');
    await runCli(['logout'], { ...home, env }, { XDG_CONFIG_HOME: xdg });
    const { statSync } = await import('node:fs');
    expect(statSync(path.join(xdg, 'rolegate')).mode & 0o777).toBe(0o700);
    await runCli(['logout'], { ...home, env });
    expect(statSync(path.join(home.home, '.config', 'rolegate')).mode & 0o777).toBe(0o700);
  });
});

describe('file permissions', () => {
  it('when tokens.json is readable by others, then the CLI refuses it: exit 7 with the chmod to run', async () => {
    const home = signedInHome('http://127.0.0.1:1');
    chmodSync(path.join(home.configDir, 'tokens.json'), 0o644);
    const { code, stderr } = await runCli(['whoami'], home);
    expect(code).toBe(7);
    expect(stderr).toContain(
      `rolegate: ${path.join(home.configDir, 'tokens.json')} is readable by other users (mode 0644); run: chmod 600`,
    );
    expect(stderr).toContain('hint: fix the permissions as shown, then retry');
  });

  it('when the config directory is open to others, then every command refuses it (exit 7)', async () => {
    const home = cliHome();
    chmodSync(home.configDir, 0o755);
    const { code, stderr } = await runCli(['whoami'], home);
    expect(code).toBe(7);
    expect(stderr).toContain(`is accessible by other users (mode 0755); run: chmod 700 ${home.configDir}`);
  });

  it('when the config directory is private, then Node keeps its compile cache there; when it is open to others, nothing is written into it', async () => {
    const home = cliHome();
    expect((await runCli(['--version'], home)).code).toBe(0);
    const cache = path.join(home.configDir, 'compile-cache');
    // Compiled code the next start runs: only in a directory no one else can write.
    expect(readdirSync(cache, { recursive: true }).length).toBeGreaterThan(0);
    const open = cliHome();
    chmodSync(open.configDir, 0o755);
    expect((await runCli(['--version'], open)).code).toBe(0);
    expect(readdirSync(open.configDir)).toEqual([]);
  });

  it('when config.json is group-readable, then it is refused too', async () => {
    const home = cliHome();
    writeFileSync(path.join(home.configDir, 'config.json'), JSON.stringify({ broker: 'http://127.0.0.1:1' }));
    chmodSync(path.join(home.configDir, 'config.json'), 0o640);
    expect((await runCli(['whoami'], home)).code).toBe(7);
  });

  it('when logout finds an insecure tokens.json, then it deletes it without sending its contents anywhere', async () => {
    const home = signedInHome('http://127.0.0.1:1');
    chmodSync(path.join(home.configDir, 'tokens.json'), 0o644);
    mkdirSync(path.join(home.configDir, 'cache'), { mode: 0o700 });
    const { code, stderr } = await runCli(['logout'], home);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: deleted tokens.json without using it');
  });
});

describe('not signed in', () => {
  it('when whoami runs without a sign-in, then exit 3 and the hint to run rolegate login', async () => {
    const home = cliHome();
    const { code, stdout, stderr } = await runCli(['whoami', '--broker', 'http://127.0.0.1:1'], home);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe('rolegate: you are not signed in to http://127.0.0.1:1\nhint: run `rolegate login`\n');
  });

  it('when the stored CLI session has ended, then exit 3 saying when', async () => {
    const home = signedInHome('http://127.0.0.1:1');
    const file = path.join(home.configDir, 'tokens.json');
    const { readFileSync } = await import('node:fs');
    const tokens = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...tokens, refreshTokenExpiresAt: Date.now() - 1000 }), { mode: 0o600 });
    expect(await runCli(['whoami'], home)).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('your rolegate CLI session ended at') as string,
    });
  });
});

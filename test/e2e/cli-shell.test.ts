import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, type CliHome } from '../support/cli-process.js';
import { callerArnOf, cliSignedIn, startCliWorld, type ProcessCredentials } from '../support/cli-world.js';
import { SANDBOX, PROD, type ExchangeWorld } from '../support/exchange-world.js';
import { waitFor } from '../support/wait.js';

let world: ExchangeWorld;
let home: CliHome;
beforeAll(async () => {
  world = await startCliWorld();
  home = await cliSignedIn(world, await world.signIn('alice'));
}, 90_000);
afterAll(async () => {
  await world.close();
});

const cli = `'${process.execPath}' '${builtCli}'`;

/**
 * Runs a shell script in `program` with the CLI home's environment. Not spawnSync: the broker and the
 * local STS live in this process and must answer meanwhile.
 */
function shell(
  program: string,
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, ['-c', script], { env: { ...home.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The credentials a shell ended up with, as printed by `node -p` (JSON). */
const printEnv = `'${process.execPath}' -e 'const e = process.env; console.log(JSON.stringify({ Version: 1, AccessKeyId: e.AWS_ACCESS_KEY_ID, SecretAccessKey: e.AWS_SECRET_ACCESS_KEY, SessionToken: e.AWS_SESSION_TOKEN, Expiration: e.AWS_CREDENTIAL_EXPIRATION, role: e.ROLEGATE_ROLE, region: e.AWS_REGION, profile: e.AWS_PROFILE ?? null }))'`;

describe('rolegate env', () => {
  it('when eval’d by sh, then the shell holds the role’s credentials, its region and name, and AWS_PROFILE is gone', async () => {
    const run = await shell('sh', `eval "$(${cli} env sandbox/Developer)" && ${printEnv}`, { AWS_PROFILE: 'other' });
    expect(run.code, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as ProcessCredentials & { role: string; region: string; profile: null };
    expect(seen).toMatchObject({ role: 'sandbox/Developer', region: 'us-east-1', profile: null });
    expect(await callerArnOf(world, seen)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
  });

  it('when --format json, dotenv, fish or powershell, then each prints what that consumer reads, values quoted for shells', async () => {
    const json = await runCli(['env', 'sandbox/Developer', '--format', 'json'], home);
    expect(json.code, json.stderr).toBe(0);
    expect(Object.keys(JSON.parse(json.stdout) as object)).toEqual([
      'Version',
      'AccessKeyId',
      'SecretAccessKey',
      'SessionToken',
      'Expiration',
    ]);
    const dotenv = await runCli(['env', '--role', 'sandbox/Developer', '--format', 'dotenv'], home);
    expect(dotenv.stdout).toMatch(
      /^AWS_ACCESS_KEY_ID=[A-Z0-9]+\nAWS_SECRET_ACCESS_KEY=\S+\nAWS_SESSION_TOKEN=\S+\nAWS_CREDENTIAL_EXPIRATION=\S+\n/,
    );
    expect(dotenv.stdout).not.toContain('unset');
    const fish = await runCli(['env', '--account', 'sandbox', '--role', 'Developer', '--format', 'fish'], home);
    expect(fish.stdout).toMatch(/^set -gx AWS_ACCESS_KEY_ID '[A-Z0-9]+';$/m);
    expect(fish.stdout).toContain("set -gx ROLEGATE_ROLE 'sandbox/Developer';");
    expect(fish.stdout).toContain('if set -q AWS_PROFILE; set -e AWS_PROFILE; end;');
    const pwsh = await runCli(['env', 'sandbox/Developer', '--format', 'powershell'], home);
    expect(pwsh.stdout).toMatch(/^\$Env:AWS_SESSION_TOKEN = '\S+'$/m);
    expect(pwsh.stdout).toContain('Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue');
  });

  it('when the user chose a region, then env keeps it; a region an earlier env set is replaced', async () => {
    const mine = await shell('sh', `eval "$(${cli} env sandbox/Developer)" && echo "$AWS_REGION"`, { AWS_REGION: 'eu-west-3' });
    expect(mine.stdout.trim()).toBe('eu-west-3');
    const ours = await shell('sh', `eval "$(${cli} env sandbox/Developer)" && echo "$AWS_REGION"`, {
      AWS_REGION: 'ap-south-1',
      ROLEGATE_ROLE_REGION: 'ap-south-1',
    });
    expect(ours.stdout.trim()).toBe('us-east-1');
  });

  it('when no role is named and there is no terminal, then exit 2 saying how to name one', async () => {
    const result = await runCli(['env'], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rolegate: no role given \(and no terminal to pick one in\)\nhint: name it as account\/role/);
    const half = await runCli(['env', '--account', 'sandbox'], home);
    expect(half).toMatchObject({ code: 2, stderr: expect.stringContaining('--account needs --role') as string });
    const both = await runCli(['env', 'sandbox/Developer', '--role', 'ReadOnly'], home);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') as string });
  });
});

describe('rolegate shell-init', () => {
  const shells = [
    ['bash', 'PS1="$ "', 'echo "${PS1@P}"'],
    ['zsh', 'PROMPT="$ "', 'for f in $precmd_functions; do $f; done; print -P -- "$PROMPT"'],
  ] as const;
  for (const [name, setPrompt, showPrompt] of shells) {
    it(`when ${name} has the function, then \`assume\` sets the role’s credentials and the prompt, and \`assume --unset\` clears them`, async () => {
      const run = await shell(
        name,
        `${setPrompt}; eval "$(${cli} shell-init ${name})"; assume sandbox/Developer || exit 9; ${printEnv}; ${showPrompt}; assume --unset; echo "after:\${AWS_ACCESS_KEY_ID-unset}:\${ROLEGATE_ROLE-unset}:\${AWS_REGION-unset}"; ${showPrompt}`,
      );
      expect(run.code, run.stderr).toBe(0);
      const [json = '', prompt, after, promptAfter] = run.stdout.replace(/\n$/, '').split('\n');
      const seen = JSON.parse(json) as ProcessCredentials & { role: string };
      expect(seen.role).toBe('sandbox/Developer');
      expect(await callerArnOf(world, seen)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
      expect(prompt).toBe('[sandbox/Developer] $ ');
      expect(after).toBe('after:unset:unset:unset');
      expect(promptAfter).toBe('$ ');
    });
  }

  it('when fish has the function, then `assume` sets the credentials and the prompt names the role', async () => {
    const run = await shell(
      'fish',
      `function fish_prompt; printf '> '; end; ${cli} shell-init fish | source; assume sandbox/Developer; or exit 9; echo $ROLEGATE_ROLE; fish_prompt; echo; assume --unset; set -q AWS_ACCESS_KEY_ID; or echo cleared`,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['sandbox/Developer', '[sandbox/Developer] > ', 'cleared']);
  });

  it('when assume fails, then nothing is set and the function returns the CLI’s exit code', async () => {
    const run = await shell(
      'bash',
      `eval "$(${cli} shell-init bash)"; assume sandbox/NoSuchRole; echo "code:$?:\${AWS_ACCESS_KEY_ID-unset}"`,
    );
    expect(run.stdout.trim()).toBe('code:2:unset');
    expect(run.stderr).toMatch(/^rolegate: .*NoSuchRole/m);
  });

  it('when the function name or the shell is not one it knows, then exit 2', async () => {
    expect((await runCli(['shell-init', 'bash', '--name', 'a;b'], home)).code).toBe(2);
    expect((await runCli(['shell-init', 'tcsh'], home)).code).toBe(2);
  });
});

describe('short role names everywhere', () => {
  it('when exec and console name the role as account/role, then they act as that role', async () => {
    const exec = await runCli(['exec', 'prod/ReadOnly', '--', process.execPath, '-e', 'console.log(process.env.AWS_ACCESS_KEY_ID)'], home);
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toMatch(/^[A-Z0-9]{16,}\n$/);
    const consoleUrl = await runCli(['console', 'sandbox/Developer', '--print'], home);
    expect(consoleUrl.code, consoleUrl.stderr).toBe(0);
    expect(consoleUrl.stdout).toContain('SigninToken=');
    const arn = await runCli(['credential-process', `arn:aws:iam::${PROD}:role/ReadOnly`], home);
    expect(arn.code, arn.stderr).toBe(0);
  });
});

describe('completion of accounts and roles', () => {
  it('when bash completes a role, an account or a role name, then the candidates come from the local list, offline', async () => {
    expect((await runCli(['roles'], home)).code).toBe(0);
    const script = spawnSync(process.execPath, [builtCli, 'completion', 'bash'], { encoding: 'utf8' }).stdout;
    const file = path.join(home.home, 'rolegate.bash');
    writeFileSync(file, script);
    const complete = (words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source "$1"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${String(words.length - 1)}; _rolegate; echo "\${COMPREPLY[*]}"`,
          'bash',
          file,
        ],
        // A broker nobody listens on: completion must not need it.
        { encoding: 'utf8', env: { ...home.env, ROLEGATE_URL: 'http://127.0.0.1:9' } },
      ).stdout.trim();
    expect(complete(['rolegate', 'env', 'sandbox/D']).split(' ')).toEqual(['sandbox/Developer']);
    expect(complete(['rolegate', 'exec', '--account', 'pr'])).toBe('prod');
    expect(complete(['rolegate', 'console', '--account', '2'])).toBe(PROD);
    expect(complete(['rolegate', 'env', '--role', 'Web'])).toBe('WebIdentityDeveloper');
    expect(complete(['rolegate', 'env', '--for'])).toBe('--format');
  });

  it('when there is no local role list, then __complete prints nothing and succeeds', async () => {
    const h = { ...home, env: { ...home.env, ROLEGATE_CONFIG_DIR: path.join(home.home, 'empty') } };
    expect(await runCli(['__complete', 'roles'], h)).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('when zsh, fish and PowerShell scripts are printed, then they complete roles from the local list', async () => {
    for (const shellName of ['zsh', 'fish', 'powershell']) {
      const { code, stdout } = await runCli(['completion', shellName], home);
      expect(code).toBe(0);
      expect(stdout).toContain('__complete roles');
      expect(stdout).toContain('__complete accounts');
    }
  });
});

describe('the role picker', { timeout: 120_000 }, () => {
  // A home of its own: the uses counted by the other tests would rank the roles otherwise.
  let pickerHome: CliHome;
  beforeAll(async () => {
    pickerHome = await cliSignedIn(world, await world.signIn('alice'));
  }, 60_000);
  /** Runs `rolegate env --format json` in a real terminal (tmux), typing `keys`; resolves with what it printed. */
  async function pick(keys: string[][]): Promise<{ chosen: ProcessCredentials | undefined; screen: string }> {
    const socket = `rolegate-test-${String(process.pid)}-${String(Date.now())}`;
    const out = path.join(pickerHome.home, `picked-${socket}.json`);
    const done = `${out}.done`;
    const env = Object.entries(pickerHome.env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const command = `env -i ${env} TERM=xterm-256color ${cli} env --format json > '${out}'; echo $? > '${done}'`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    tmux('new-session', '-d', '-x', '160', '-y', '40', command);
    try {
      const screen = () => tmux('capture-pane', '-p').stdout;
      let seen = await waitFor(() => (screen().includes('Role') ? screen() : undefined), 'the picker', 30_000);
      let typed = '';
      for (const k of keys) {
        // Enter while the search for what was typed is still loading is ignored by the picker (a person
        // sees the list first): wait until the prompt is idle ("?", not the spinner) on that text, with a choice.
        if (k[0] === 'Enter') {
          seen = await waitFor(() => {
            const now = screen();
            return now.includes(`? Role ${typed}`.trimEnd()) && now.includes('❯ ') ? now : undefined;
          }, `the picker's choices for "${typed}"`);
        }
        tmux('send-keys', ...k);
        if (k[0] === '-l') typed += k[1] ?? '';
        seen = screen();
      }
      await waitFor(() => (existsSync(done) ? true : undefined), 'the picker to finish', 30_000);
      const text = readFileSync(out, 'utf8');
      return { chosen: text === '' ? undefined : (JSON.parse(text) as ProcessCredentials), screen: seen };
    } finally {
      tmux('kill-server');
    }
  }

  it('when the user types part of a role and presses Enter, then that role’s credentials are printed', async () => {
    const { chosen } = await pick([['-l', 'sandbox/dev'], ['Enter']]);
    expect(chosen).toBeDefined();
    expect(await callerArnOf(world, chosen as ProcessCredentials)).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
  });

  it('when a role was used often lately, then it comes first: Enter alone takes it', async () => {
    for (let i = 0; i < 3; i++) expect((await runCli(['env', 'prod/ReadOnly'], pickerHome)).code).toBe(0);
    const { chosen } = await pick([['Enter']]);
    expect(await callerArnOf(world, chosen as ProcessCredentials)).toBe(`arn:aws:sts::${PROD}:assumed-role/ReadOnly/alice`);
  });

  it('when the user presses Ctrl-C, then nothing is printed and the exit code is 2', async () => {
    const { chosen } = await pick([['C-c']]);
    expect(chosen).toBeUndefined();
  });
});

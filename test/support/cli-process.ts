import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './service-process.js';
import { waitFor } from './wait.js';

export const builtCli = path.join(repoRoot, 'dist/cli/main.js');

/** A throwaway HOME with a rolegate config directory (0700) the CLI runs against. */
export interface CliHome {
  home: string;
  configDir: string;
  env: Record<string, string>;
}

export function cliHome(extraEnv: Record<string, string> = {}): CliHome {
  const home = mkdtempSync(path.join(tmpdir(), 'rolegate-cli-home-'));
  const configDir = path.join(home, 'config');
  mkdirSync(configDir, { mode: 0o700 });
  return {
    home,
    configDir,
    // Exactly this environment: nothing from the test run (no DISPLAY, BROWSER, ROLEGATE_URL…) leaks in.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ROLEGATE_CONFIG_DIR: configDir, LANG: 'C.UTF-8', ...extraEnv },
  };
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr. */
  waitForStderr(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit(timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `node dist/cli/main.js <args>` — the built CLI, as users run it. */
export function startCli(args: string[], home: CliHome, env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [builtCli, ...args], { env: { ...home.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (pattern, what, timeoutMs = 15_000) =>
      waitFor(
        () => {
          const match = pattern.exec(stderr);
          if (match) return match;
          if (exited) throw new Error(`the CLI exited first; stderr: ${stderr}`);
          return undefined;
        },
        what,
        timeoutMs,
      ),
    exit: async (timeoutMs = 30_000) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await done;
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
  };
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], home: CliHome, env: Record<string, string> = {}) {
  return startCli(args, home, env).exit();
}

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const builtMain = path.join(repoRoot, 'dist/main.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** Parsed JSON log lines seen on stdout so far. */
  logs(): Record<string, unknown>[];
  /** Everything written to stdout so far (log lines and any human-readable text). */
  stdout(): string;
  stderr(): string;
  /** Resolves when a log line matching `predicate` has been written. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves once listening, with the base URL. */
  ready(timeoutMs?: number): Promise<string>;
  exit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/**
 * Runs the built service (`node dist/main.js`, as users do) with exactly the
 * given environment plus PATH and HOME — nothing leaks in from the test run.
 */
export function startService(options: { env?: Record<string, string>; cwd?: string; script?: string } = {}): ServiceProcess {
  const child = spawn(process.execPath, [options.script ?? builtMain], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const logs = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitForLog: ServiceProcess['waitForLog'] = (predicate, what, timeoutMs = 30_000) =>
    waitFor(
      () => {
        const found = logs().find(predicate);
        if (found) return found;
        if (hasExited) throw new Error(`the service exited first; stderr: ${stderr}`);
        return undefined;
      },
      what,
      timeoutMs,
    );
  return {
    child,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog,
    async ready(timeoutMs) {
      const line = await waitForLog((l) => l.msg === 'rolegate is listening', 'the service to listen', timeoutMs);
      return String(line.url);
    },
    exit: (timeoutMs = 30_000) =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the service did not exit')), timeoutMs).unref()),
      ]),
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
}

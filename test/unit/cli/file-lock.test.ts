import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError, withFileLock } from '../../../src/cli/file-lock.js';

const lockModule = fileURLToPath(new URL('../../../src/cli/file-lock.ts', import.meta.url));

describe('withFileLock', () => {
  it('when ten processes take the lock at once, then their critical sections never overlap', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const log = path.join(dir, 'log');
    writeFileSync(log, '');
    const script = `
      import { appendFileSync } from 'node:fs';
      import { withFileLock } from ${JSON.stringify(lockModule)};
      await withFileLock(${JSON.stringify(path.join(dir, 'x.lock'))}, { timeoutMs: 20000, staleMs: 20000, pollMs: 5 }, async () => {
        appendFileSync(${JSON.stringify(log)}, 'enter ' + process.pid + '\\n');
        await new Promise((r) => setTimeout(r, 20));
        appendFileSync(${JSON.stringify(log)}, 'leave ' + process.pid + '\\n');
      });`;
    const runs = Array.from(
      { length: 10 },
      () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
          child.once('exit', resolve);
        }),
    );
    expect(await Promise.all(runs)).toEqual(Array(10).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, leave] = [lines[i], lines[i + 1]];
      expect(enter?.startsWith('enter ')).toBe(true);
      expect(leave).toBe(enter?.replace('enter', 'leave'));
    }
  }, 60_000);

  it('when the holder died, then the lock is taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    writeFileSync(lockFile, '999999999\n'); // no such process
    expect(await withFileLock(lockFile, { timeoutMs: 1000, staleMs: 60_000 }, () => Promise.resolve('took over'))).toBe('took over');
  });

  it('when a live holder keeps the lock, then waiting gives up after the timeout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    writeFileSync(lockFile, `${String(process.pid)}\n`);
    await expect(withFileLock(lockFile, { timeoutMs: 100, staleMs: 60_000 }, () => Promise.resolve('never'))).rejects.toThrow(
      LockTimeoutError,
    );
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LockTimeoutError, withFileLock } from '../../../src/cli/file-lock.js';
import { waitFor } from '../../support/wait.js';

const lockModule = fileURLToPath(new URL('../../../src/cli/file-lock.ts', import.meta.url));

interface Contender {
  /** ms inside the critical section. */
  holdMs: number;
  staleMs: number;
}

/** One process that waits for `go` (when given), takes the lock and logs `enter`/`leave` around its critical section. */
function contender(
  lockFile: string,
  log: string,
  c: Contender,
  barrier?: { ready: string; go: string },
): { pid: number; exit: Promise<number | null> } {
  const script = `
    import { appendFileSync, existsSync } from 'node:fs';
    import { withFileLock } from ${JSON.stringify(lockModule)};
    const barrier = ${JSON.stringify(barrier ?? null)};
    if (barrier) {
      appendFileSync(barrier.ready, 'x');
      const until = Date.now() + 30000;
      while (!existsSync(barrier.go) && Date.now() < until) await new Promise((r) => setTimeout(r, 1));
    }
    await withFileLock(${JSON.stringify(lockFile)}, { timeoutMs: 20000, staleMs: ${String(c.staleMs)}, pollMs: 2 }, async () => {
      appendFileSync(${JSON.stringify(log)}, 'enter ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, ${String(c.holdMs)}));
      appendFileSync(${JSON.stringify(log)}, 'leave ' + process.pid + '\\n');
    });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'inherit' });
  return { pid: child.pid ?? 0, exit: new Promise((resolve) => child.once('exit', resolve)) };
}

/**
 * Starts one process per contender; each says it is ready, waits for the
 * `go` file (so all of them race for the lock within a millisecond or two),
 * then takes the lock. Returns the log.
 */
async function race(dir: string, lockFile: string, contenders: Contender[]): Promise<string[]> {
  const log = path.join(dir, 'log');
  const barrier = { ready: path.join(dir, 'ready'), go: path.join(dir, 'go') };
  writeFileSync(log, '');
  writeFileSync(barrier.ready, '');
  const exits = contenders.map((c) => contender(lockFile, log, c, barrier).exit);
  await waitFor(
    () => (readFileSync(barrier.ready, 'utf8').length === contenders.length ? true : undefined),
    'every contender to start',
    60_000,
    10,
  );
  writeFileSync(barrier.go, '');
  expect(await Promise.all(exits)).toEqual(contenders.map(() => 0));
  return readFileSync(log, 'utf8').trim().split('\n');
}

/** Each `enter` is followed by the same process's `leave`: no two critical sections overlapped. */
function expectNoOverlap(lines: string[], sections: number): void {
  expect(lines).toHaveLength(2 * sections);
  for (let i = 0; i < lines.length; i += 2) {
    expect(lines[i]?.startsWith('enter ')).toBe(true);
    expect(lines[i + 1]).toBe(lines[i]?.replace('enter', 'leave'));
  }
}

describe('withFileLock', () => {
  it('when ten processes take the lock at once, then their critical sections never overlap', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lines = await race(
      dir,
      path.join(dir, 'x.lock'),
      Array.from({ length: 10 }, () => ({ holdMs: 20, staleMs: 20_000 })),
    );
    expectNoOverlap(lines, 10);
  }, 90_000);

  it('when several processes find the same abandoned lock at once, then only one takes it over and the sections never overlap', async () => {
    // Three rounds: each starts from a lock whose process is gone, and every contender finds it abandoned at the same moment.
    for (let round = 0; round < 3; round++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
      const lockFile = path.join(dir, 'x.lock');
      writeFileSync(lockFile, '999999999\n'); // an older rolegate's lock of a process that no longer exists
      const lines = await race(
        dir,
        lockFile,
        Array.from({ length: 6 }, () => ({ holdMs: 150, staleMs: 20_000 })),
      );
      expectNoOverlap(lines, 6);
      expect(readdirSync(dir).filter((f) => f.startsWith('x.lock'))).toEqual([]);
    }
  }, 180_000);

  it('when an owner overruns the stale limit and is taken over, then its release does not delete its successor’s lock', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    const log = path.join(dir, 'log');
    writeFileSync(log, '');
    const entered = (n: number) =>
      waitFor(() => (readFileSync(log, 'utf8').split('enter').length > n ? true : undefined), `enter #${String(n)}`, 60_000, 10);
    // The first holds for 4 s; the second, with a 300 ms stale limit, takes it over and holds for 4 s;
    // the third waits normally and must not get in when the first leaves, but only after the second.
    const first = contender(lockFile, log, { holdMs: 4000, staleMs: 20_000 });
    await entered(1);
    const second = contender(lockFile, log, { holdMs: 4000, staleMs: 300 });
    await entered(2);
    const third = contender(lockFile, log, { holdMs: 10, staleMs: 20_000 });
    expect(await Promise.all([first.exit, second.exit, third.exit])).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toEqual([
      `enter ${String(first.pid)}`,
      `enter ${String(second.pid)}`,
      `leave ${String(first.pid)}`,
      `leave ${String(second.pid)}`,
      `enter ${String(third.pid)}`,
      `leave ${String(third.pid)}`,
    ]);
  }, 90_000);

  it('when the holder died, then the lock is taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    writeFileSync(lockFile, '999999999\n'); // no such process
    expect(await withFileLock(lockFile, { timeoutMs: 1000, staleMs: 60_000 }, () => Promise.resolve('took over'))).toBe('took over');
    expect(existsSync(lockFile)).toBe(false);
  });

  it('when a takeover token was left by a process that died mid-takeover, then the lock is still taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    writeFileSync(lockFile, `999999999 ${hostname()} n1\n`);
    writeFileSync(`${lockFile}.n1.takeover`, `999999998 ${hostname()} t1\n`);
    expect(await withFileLock(lockFile, { timeoutMs: 2000, staleMs: 60_000 }, () => Promise.resolve('took over'))).toBe('took over');
  });

  it('when the lock’s holder is on another host, then only its age makes it abandoned', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-lock-'));
    const lockFile = path.join(dir, 'x.lock');
    writeFileSync(lockFile, '999999999 another-host n1\n');
    await expect(withFileLock(lockFile, { timeoutMs: 100, staleMs: 60_000 }, () => Promise.resolve('x'))).rejects.toThrow(LockTimeoutError);
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

import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';

export interface LockOptions {
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** A lock older than this is considered abandoned even if its process still exists. */
  staleMs: number;
  pollMs?: number;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/**
 * An exclusive lock between CLI processes, as a file created with O_EXCL and
 * holding the owner's pid. Terraform starts ~10 providers at once, each
 * running `credential_process`: one takes the lock and talks to the broker, the
 * others wait and then read what it cached. A lock whose process died, or that
 * is older than `staleMs`, is taken over.
 */
export async function withFileLock<T>(lockFile: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  await acquire(lockFile, options);
  try {
    return await work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, options: LockOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, `${String(process.pid)}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isAbandoned(lockFile, options.staleMs)) {
      rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new LockTimeoutError(`another rolegate process holds ${lockFile}; gave up after ${String(options.timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 25));
  }
}

function isAbandoned(lockFile: string, staleMs: number): boolean {
  try {
    if (Date.now() - statSync(lockFile).mtimeMs > staleMs) return true;
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
    process.kill(pid, 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false; // released meanwhile: retry at once
    return code === 'ESRCH';
  }
}

import { hostname } from 'node:os';

// node:fs through getBuiltinModule, not `import … from 'node:fs'`: see main.ts.
const { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } = process.getBuiltinModule('node:fs');

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

/** Who holds a lock (or a takeover token): one line `<pid> <host> <nonce>`, written whole before the file appears. */
interface Holder {
  pid: number;
  host: string;
  /** Unique per acquisition: names this instance of the lock, whatever its path. */
  nonce: string;
  ageMs: number;
}

/** A takeover token whose holder died mid-takeover (a few syscalls) is itself taken over, at most this deep. */
const MAX_TAKEOVER_DEPTH = 2;

/**
 * An exclusive lock between CLI processes. Terraform starts ~10 providers at
 * once, each running `credential_process`: one takes the lock and talks to the
 * broker, the others wait and then read what it cached.
 *
 * The lock file is created whole (a private temporary file hard-linked into
 * place: link(2), like O_EXCL, fails when the name exists) and holds its
 * owner's pid, host and a nonce naming this acquisition. A lock whose process
 * died, or that is older than `staleMs`, is abandoned; removing any lock — by
 * its owner on release, or by a waiter taking an abandoned one over — first
 * needs an exclusive token named after the lock's nonce, and re-reads the lock
 * under it. So each instance of the lock is removed at most once, by exactly
 * one process, and never a newer lock that replaced it meanwhile: two waiters
 * that both find the same abandoned lock cannot both take it over (the race
 * of deleting it by name and re-creating it), and an owner that overran
 * `staleMs` cannot delete its successor's lock.
 */
export async function withFileLock<T>(lockFile: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const nonce = await acquire(lockFile, options);
  try {
    return await work();
  } finally {
    removeInstance(lockFile, nonce, 0);
  }
}

async function acquire(lockFile: string, options: LockOptions): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const nonce = createExclusive(lockFile);
    if (nonce !== undefined) return nonce;
    const holder = readHolder(lockFile);
    if (holder && isAbandoned(holder, options.staleMs)) {
      removeInstance(lockFile, holder.nonce, 0, options.staleMs);
      continue;
    }
    if (Date.now() >= deadline)
      throw new LockTimeoutError(`another rolegate process holds ${lockFile}; gave up after ${String(options.timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 25));
  }
}

/** Creates `file` holding a fresh holder line, or undefined when it exists. Returns the nonce. */
function createExclusive(file: string): string | undefined {
  const nonce = `${String(process.pid)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  const temp = `${file}.${nonce}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${String(process.pid)} ${hostname()} ${nonce}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return nonce;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Removes the lock (or token) at `file` if it is still the instance named
 * `nonce`, under the token `<file>.<nonce>.takeover`: whoever creates that
 * token is the only process that may remove this instance. Returns whether
 * it removed it.
 */
function removeInstance(file: string, nonce: string, depth: number, staleMs = 60_000): boolean {
  const token = `${file}.${nonce}.takeover`;
  const tokenNonce = createExclusive(token);
  if (tokenNonce === undefined) {
    // Another process is removing this instance — or died doing so: then its token is abandoned in turn.
    const tokenHolder = readHolder(token);
    if (tokenHolder && depth < MAX_TAKEOVER_DEPTH && isAbandoned(tokenHolder, staleMs))
      removeInstance(token, tokenHolder.nonce, depth + 1, staleMs);
    return false;
  }
  try {
    if (readHolder(file)?.nonce !== nonce) return false; // already gone, or a newer lock: not ours to remove
    rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(token, { force: true });
  }
}

/** The holder of `file`, or undefined when it is absent. A line from an older rolegate (just a pid) gets a nonce from its inode. */
function readHolder(file: string): Holder | undefined {
  try {
    const stat = statSync(file);
    const [pid = '', host = '', nonce] = readFileSync(file, 'utf8').trim().split(' ');
    return {
      pid: Number(pid),
      host,
      nonce: nonce && /^[\w-]{1,64}$/.test(nonce) ? nonce : `legacy-${String(stat.ino)}-${String(Math.trunc(stat.mtimeMs))}`,
      ageMs: Date.now() - stat.mtimeMs,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Older than `staleMs`, or its process (on this host) is gone. */
function isAbandoned(holder: Holder, staleMs: number): boolean {
  if (holder.ageMs > staleMs) return true;
  // A pid means nothing on another host (a home directory on NFS): only age tells there.
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || (holder.host !== '' && holder.host !== hostname())) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

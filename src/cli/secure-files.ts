import type { Stats } from 'node:fs';
import path from 'node:path';

// node:fs through getBuiltinModule, not `import … from 'node:fs'`: see main.ts.
const { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } =
  process.getBuiltinModule('node:fs');

// The rules of "only this user can read it" are in this one module, both platforms: it is on the warm
// credential-process path, where every extra module costs start-up time.

/** A file the CLI refuses to use: too open, owned by someone else, or unreadable. */
export class InsecureFileError extends Error {
  override name = 'InsecureFileError';
}

/**
 * How "only this user can read it" is checked on this platform: POSIX mode
 * bits and the owner's uid, or Windows ACLs. Injectable, so both branches are
 * tested on any machine.
 */
export interface FilePlatform {
  /** Checks an existing directory; throws InsecureFileError. */
  checkDir(dir: string, stat: Stats): void;
  /** Checks a file just opened; throws InsecureFileError. */
  checkFile(file: string, stat: Stats): void;
  /** Makes a directory the CLI just created private (beyond the mode it was created with). */
  secureNewDir(dir: string): void;
}

const GROUP_OR_WORLD = 0o077;
const mode = (value: number) => (value & 0o777).toString(8).padStart(4, '0');

/** POSIX: no group or other bits, and owned by us (SECURITY: a 0600 file in a 0700 directory). */
export const posixPlatform: FilePlatform = {
  checkDir(dir, stat) {
    if ((stat.mode & GROUP_OR_WORLD) !== 0) {
      throw new InsecureFileError(`${dir} is accessible by other users (mode ${mode(stat.mode)}); run: chmod 700 ${dir}`);
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new InsecureFileError(`${dir} belongs to another user; remove it or set ROLEGATE_CONFIG_DIR`);
    }
  },
  checkFile(file, stat) {
    if ((stat.mode & GROUP_OR_WORLD) !== 0) {
      throw new InsecureFileError(`${file} is readable by other users (mode ${mode(stat.mode)}); run: chmod 600 ${file}`);
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new InsecureFileError(`${file} belongs to another user; refusing to use it`);
    }
  },
  secureNewDir() {
    // mkdir's mode 0700 already did it.
  },
};

/** Runs a program without a shell and returns its stdout; throws when it cannot run or fails. */
export type RunProgram = (file: string, args: string[]) => string;

/** Principals a private directory's ACL may grant to besides the user: the OS itself and the machine's administrators. */
const TRUSTED = new Set(['system', 'administrators', '*s-1-5-18', '*s-1-5-32-544']);

/**
 * Windows: Node reports every file as mode 0666 (0444 when read-only) and
 * has no uid, so mode bits say nothing. The config directory's ACL is read
 * with `icacls` (once per directory and process: the warm credential-process
 * path pays one short process start) and refused when it grants anything to
 * another principal than the user, SYSTEM or Administrators — Everyone,
 * Users, Authenticated Users, another user. Deny entries only take rights
 * away and are ignored. Files are created inside that directory and inherit
 * its ACL, so they are not checked one by one; a directory the CLI creates
 * gets an explicit ACL (inheritance removed; the user and SYSTEM) at once.
 * An unreadable ACL is refused (fail closed).
 */
export function windowsPlatform(run: RunProgram, username: string): FilePlatform {
  const checked = new Set<string>();
  const fix = (dir: string) => `icacls "${dir}" /inheritance:r /grant:r "${username}:(OI)(CI)F" /grant:r "*S-1-5-18:(OI)(CI)F"`;
  return {
    checkDir(dir) {
      if (checked.has(dir)) return;
      let output: string;
      try {
        output = run('icacls', [dir]);
      } catch (error) {
        throw new InsecureFileError(`cannot read the access rules of ${dir} (icacls: ${(error as Error).message}); refusing to use it`);
      }
      const strangers = aclEntries(output, dir).filter(
        (e) => !e.deny && !TRUSTED.has(e.account.toLowerCase()) && e.account.toLowerCase() !== username.toLowerCase(),
      );
      if (strangers.length > 0) {
        throw new InsecureFileError(`${dir} is accessible by ${strangers.map((e) => e.principal).join(', ')}; run: ${fix(dir)}`);
      }
      checked.add(dir);
    },
    checkFile() {
      // Inherited from the directory, checked above.
    },
    secureNewDir(dir) {
      run('icacls', [dir, '/inheritance:r', '/grant:r', `${username}:(OI)(CI)F`, '/grant:r', '*S-1-5-18:(OI)(CI)F']);
    },
  };
}

export interface AclEntry {
  /** As icacls prints it: `BUILTIN\Users`, `Everyone`, `DESKTOP-1\alice`, `*S-1-5-21-…`. */
  principal: string;
  /** The part after the last backslash (domains are localised, e.g. `NT-AUTORITÄT`). */
  account: string;
  deny: boolean;
}

/**
 * The entries of `icacls <path>` output: the path, then one `principal:(flags)(rights)`
 * per line, a blank line, and a summary line (localised, ignored).
 */
export function aclEntries(output: string, target: string): AclEntry[] {
  const entries: AclEntry[] = [];
  const lines = output.replace(/\r/g, '').split('\n');
  for (const [i, raw] of lines.entries()) {
    let line = raw;
    if (i === 0) {
      if (!line.toLowerCase().startsWith(target.toLowerCase())) throw new InsecureFileError(`icacls did not list ${target}`);
      line = line.slice(target.length);
    }
    line = line.trim();
    if (line === '') break;
    const at = line.indexOf(':(');
    if (at <= 0) throw new InsecureFileError(`icacls printed an entry rolegate cannot read for ${target}: ${line.slice(0, 80)}`);
    const principal = line.slice(0, at);
    entries.push({ principal, account: principal.slice(principal.lastIndexOf('\\') + 1), deny: line.slice(at).includes('(DENY)') });
  }
  return entries;
}

let detected: FilePlatform | undefined;

/** This process's platform (detected once: it does not change while the process runs). */
export function currentPlatform(): FilePlatform {
  if (detected) return detected;
  if (process.platform !== 'win32') return (detected = posixPlatform);
  // Loaded only on Windows: the POSIX fast path never pays for child_process.
  const { execFileSync } = process.getBuiltinModule('node:child_process');
  const { userInfo } = process.getBuiltinModule('node:os');
  const run: RunProgram = (file, args) => execFileSync(file, args, { encoding: 'utf8', windowsHide: true, timeout: 10_000 });
  return (detected = windowsPlatform(run, userInfo().username));
}

/**
 * Creates `dir` (and parents) private (0700; on Windows an explicit ACL), or
 * checks an existing one is not accessible by other users (the FilePlatform above).
 */
export function ensurePrivateDir(dir: string, platform: FilePlatform = currentPlatform()): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) platform.secureNewDir(dir);
  platform.checkDir(dir, statSync(dir));
}

/** Reads a private file; undefined when absent; refuses one that other users could read. */
export function readPrivateFile(file: string, platform: FilePlatform = currentPlatform()): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    platform.checkFile(file, fstatSync(fd));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes a 0600 file atomically (temp file + rename), so readers never see half a file, and durably (flushed to disk first). */
export function writePrivateFile(file: string, content: string, platform: FilePlatform = currentPlatform()): void {
  writeAtomically(file, content, platform, true);
}

/**
 * writePrivateFile without the flush to disk, for a cache whose reader takes
 * an empty or torn file as a miss: after a crash the entry may be lost, never
 * half-read, and the cold credential-process path does not wait for the disk.
 */
export function writePrivateCacheFile(file: string, content: string, platform: FilePlatform = currentPlatform()): void {
  writeAtomically(file, content, platform, false);
}

function writeAtomically(file: string, content: string, platform: FilePlatform, durable: boolean): void {
  ensurePrivateDir(path.dirname(file), platform);
  // Unique, not secret: O_EXCL in our own 0700 directory already stops anyone else creating it
  // (and not loading node:crypto keeps this off the CLI's start-up cost).
  const temp = `${file}.${String(process.pid)}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeFileSync(fd, content);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, fsyncSync } from 'node:fs';
import path from 'node:path';

/** A file the CLI refuses to use: too open, owned by someone else, or unreadable. */
export class InsecureFileError extends Error {
  override name = 'InsecureFileError';
}

const GROUP_OR_WORLD = 0o077;

/** Creates `dir` (and parents) as 0700, or checks an existing one is not group/world accessible. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = statSync(dir);
  if ((stat.mode & GROUP_OR_WORLD) !== 0) {
    throw new InsecureFileError(`${dir} is accessible by other users (mode ${mode(stat.mode)}); run: chmod 700 ${dir}`);
  }
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new InsecureFileError(`${dir} belongs to another user; remove it or set ROLEGATE_CONFIG_DIR`);
  }
}

/** Reads a private file; undefined when absent; refuses one that other users could read. */
export function readPrivateFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if ((stat.mode & GROUP_OR_WORLD) !== 0) {
      throw new InsecureFileError(`${file} is readable by other users (mode ${mode(stat.mode)}); run: chmod 600 ${file}`);
    }
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new InsecureFileError(`${file} belongs to another user; refusing to use it`);
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes a 0600 file atomically (temp file + rename), so readers never see half a file. */
export function writePrivateFile(file: string, content: string): void {
  ensurePrivateDir(path.dirname(file));
  // Unique, not secret: O_EXCL in our own 0700 directory already stops anyone else creating it
  // (and not loading node:crypto keeps this off the CLI's start-up cost).
  const temp = `${file}.${String(process.pid)}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
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

function mode(value: number): string {
  return (value & 0o777).toString(8).padStart(4, '0');
}

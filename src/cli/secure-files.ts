import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import { currentPlatform, type FilePlatform } from './file-permissions.js';

export { InsecureFileError } from './file-permissions.js';

/**
 * Creates `dir` (and parents) private (0700; on Windows an explicit ACL), or
 * checks an existing one is not accessible by other users (file-permissions.ts).
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

/** Writes a 0600 file atomically (temp file + rename), so readers never see half a file. */
export function writePrivateFile(file: string, content: string, platform: FilePlatform = currentPlatform()): void {
  ensurePrivateDir(path.dirname(file), platform);
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

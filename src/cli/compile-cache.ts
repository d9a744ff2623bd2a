import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { configDirFrom } from './config-dir.js';

// node:fs through getBuiltinModule, not `import … from 'node:fs'`: see main.ts.
const { statSync } = process.getBuiltinModule('node:fs');

/**
 * Turns on Node's compile cache for every module loaded from now on, so later
 * starts read V8's compiled code instead of compiling it again. The cache
 * lives in the CLI's own config directory, and only once that directory
 * exists and is private: compiled code in a place other users can write
 * would be theirs to run. Before the first sign-in (no directory yet) the CLI
 * runs uncached rather than create the directory with the wrong mode.
 */
export function enableCliCompileCache(env: Readonly<Record<string, string | undefined>> = process.env): void {
  const dir = configDirFrom(env, homedir());
  const stat = statSync(dir, { throwIfNoEntry: false });
  // POSIX only: on Windows mode bits say nothing (secure-files.ts checks the ACL when a file is read).
  if (stat?.isDirectory() && process.platform !== 'win32' && (stat.mode & 0o077) === 0 && stat.uid === process.getuid?.()) {
    enableCompileCache(path.join(dir, 'compile-cache'));
  }
}

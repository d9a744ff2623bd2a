import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DemoEncryptionKey {
  key: Buffer;
  path: string;
  /** True when this start created the key (the first demo start). */
  created: boolean;
}

/**
 * Demo mode without `encryption.keys`: a key generated once and kept in
 * `<dataDir>/encryption.key` (0600 in a 0700 directory), so the embedded demo
 * keeps its signing keys and cache across restarts. Refuses a key file that
 * others can read. Never used in production mode (configuration refuses it).
 */
export function loadOrCreateDemoEncryptionKey(dataDir: string): DemoEncryptionKey {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const file = path.join(dir, 'encryption.key');
  try {
    // 'wx': fails if the file exists, so two processes starting at once agree on one key.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { key: readKey(file), path: file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by others (mode ${mode.toString(8)}): run chmod 600 on it, or set ROLEGATE_ENCRYPTION_KEYS`);
  }
  return { key: readKey(file), path: file, created: false };
}

function readKey(file: string): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text) throw new Error(`${file} does not hold a base64-encoded 32-byte key`);
  return key;
}

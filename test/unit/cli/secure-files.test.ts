import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, InsecureFileError, readPrivateFile, writePrivateFile } from '../../../src/cli/secure-files.js';

const temp = () => mkdtempSync(path.join(tmpdir(), 'rolegate-cli-'));

describe('secure files', () => {
  it('when a private file is written, then it is 0600 in a 0700 directory and reads back', () => {
    const file = path.join(temp(), 'nested', 'tokens.json');
    writePrivateFile(file, '{"a":1}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readPrivateFile(file)).toBe('{"a":1}');
  });

  it('when the file is group or world readable, then it is refused with the chmod to run', () => {
    const dir = temp();
    const file = path.join(dir, 'tokens.json');
    writeFileSync(file, 'secret', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(() => readPrivateFile(file)).toThrow(InsecureFileError);
    expect(() => readPrivateFile(file)).toThrow(`chmod 600 ${file}`);
  });

  it('when the directory is group or world accessible, then it is refused', () => {
    const dir = path.join(temp(), 'open');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    expect(() => ensurePrivateDir(dir)).toThrow(`chmod 700 ${dir}`);
  });

  it('when the file does not exist, then reading gives undefined', () => {
    expect(readPrivateFile(path.join(temp(), 'absent.json'))).toBeUndefined();
  });

  it('when a file is rewritten, then no temporary file is left behind', () => {
    const dir = temp();
    const file = path.join(dir, 'cache.json');
    writePrivateFile(file, 'one');
    writePrivateFile(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readPrivateFile(file)).toBe('two');
  });
});

import { chmodSync, mkdirSync, mkdtempSync, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aclEntries,
  ensurePrivateDir,
  InsecureFileError,
  posixPlatform,
  readPrivateFile,
  windowsPlatform,
  writePrivateFile,
  type RunProgram,
} from '../../../src/cli/secure-files.js';

const temp = () => mkdtempSync(path.join(tmpdir(), 'rolegate-perm-'));
const DIR = 'C:\\Users\\alice\\.config\\rolegate';

/** icacls output for DIR with these entries (the layout of `icacls <dir>` on Windows 10/11). */
const icacls = (...entries: string[]) =>
  `${DIR} ${entries[0] ?? ''}\r\n${entries
    .slice(1)
    .map((e) => `${' '.repeat(DIR.length + 1)}${e}\r\n`)
    .join('')}\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n`;

/** A fake icacls: answers `output` (or fails) and records every call. */
function fakeIcacls(output: string | Error): { run: RunProgram; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: (file, args) => {
      calls.push([file, ...args]);
      if (output instanceof Error) throw output;
      return output;
    },
  };
}

/** What Node reports for a file on Windows: mode 0666 whatever its ACL, uid 0. */
const windowsStat = { mode: 0o100666, uid: 0 } as unknown as Stats;

describe('the Windows branch (ACLs, read with icacls)', () => {
  const defaults = ['NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)', 'BUILTIN\\Administrators:(I)(OI)(CI)(F)', 'DESKTOP-1\\alice:(I)(OI)(CI)(F)'];

  it('when the directory grants only the user, SYSTEM and Administrators (a user profile’s default), then it is accepted, mode 0666 or not', () => {
    const fake = fakeIcacls(icacls(...defaults));
    const platform = windowsPlatform(fake.run, 'alice');
    expect(() => platform.checkDir(DIR, windowsStat)).not.toThrow();
    expect(() => platform.checkFile(`${DIR}\\tokens.json`, windowsStat)).not.toThrow();
    // Once per directory and process.
    platform.checkDir(DIR, windowsStat);
    expect(fake.calls).toEqual([['icacls', DIR]]);
  });

  it.each([
    ['Everyone:(OI)(CI)(R)', 'Everyone'],
    ['BUILTIN\\Users:(I)(OI)(CI)(RX)', 'BUILTIN\\Users'],
    ['NT AUTHORITY\\Authenticated Users:(I)(M)', 'NT AUTHORITY\\Authenticated Users'],
    ['DESKTOP-1\\bob:(R)', 'DESKTOP-1\\bob'],
    ['*S-1-1-0:(R)', '*S-1-1-0'],
  ])('when the ACL also grants %s, then the directory is refused naming %s, with the icacls command that fixes it', (entry, who) => {
    const platform = windowsPlatform(fakeIcacls(icacls(...defaults, entry)).run, 'alice');
    expect(() => platform.checkDir(DIR, windowsStat)).toThrow(InsecureFileError);
    expect(() => platform.checkDir(DIR, windowsStat)).toThrow(`is accessible by ${who}; run: icacls "${DIR}" /inheritance:r`);
  });

  it('when an entry only denies, or names the user with another domain or case, then it is accepted', () => {
    const platform = windowsPlatform(fakeIcacls(icacls('Everyone:(DENY)(W)', 'CORP\\Alice:(F)', 'NT-AUTORITÄT\\SYSTEM:(F)')).run, 'alice');
    expect(() => platform.checkDir(DIR, windowsStat)).not.toThrow();
  });

  it('when icacls fails or prints something else, then the directory is refused (fail closed)', () => {
    expect(() => windowsPlatform(fakeIcacls(new Error('not found')).run, 'alice').checkDir(DIR, windowsStat)).toThrow(
      'cannot read the access rules',
    );
    expect(() => windowsPlatform(fakeIcacls('Access is denied.\r\n').run, 'alice').checkDir(DIR, windowsStat)).toThrow(InsecureFileError);
    expect(() => windowsPlatform(fakeIcacls(`${DIR} garbage\r\n`).run, 'alice').checkDir(DIR, windowsStat)).toThrow('cannot read');
  });

  it('when the CLI creates its directory, then it removes inheritance and grants only the user and SYSTEM', () => {
    const dir = path.join(temp(), 'new');
    const fake = fakeIcacls(icacls());
    ensurePrivateDir(dir, {
      ...windowsPlatform(fake.run, 'alice'),
      checkDir: () => undefined,
    });
    expect(fake.calls).toEqual([['icacls', dir, '/inheritance:r', '/grant:r', 'alice:(OI)(CI)F', '/grant:r', '*S-1-5-18:(OI)(CI)F']]);
  });

  it('when entries are parsed, then principals with spaces and SIDs keep their names', () => {
    expect(aclEntries(icacls('NT AUTHORITY\\Authenticated Users:(M)', '*S-1-5-21-1-2-3-1001:(F)'), DIR)).toEqual([
      { principal: 'NT AUTHORITY\\Authenticated Users', account: 'Authenticated Users', deny: false },
      { principal: '*S-1-5-21-1-2-3-1001', account: '*S-1-5-21-1-2-3-1001', deny: false },
    ]);
  });
});

describe('the POSIX branch (mode bits and owner)', () => {
  it('when a file or directory has group or other bits, then it is refused with the chmod; 0600 in 0700 is read', () => {
    const dir = temp();
    const file = path.join(dir, 'tokens.json');
    writePrivateFile(file, 'x', posixPlatform);
    expect(readPrivateFile(file, posixPlatform)).toBe('x');
    chmodSync(file, 0o640);
    expect(() => readPrivateFile(file, posixPlatform)).toThrow(`chmod 600 ${file}`);
    const open = path.join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    expect(() => ensurePrivateDir(open, posixPlatform)).toThrow(`chmod 700 ${open}`);
  });

  it('when the Windows rules meet a POSIX mode, then they ignore it: only ACLs count there', () => {
    const dir = temp();
    const file = path.join(dir, 'f');
    writeFileSync(file, 'y', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(readPrivateFile(file, windowsPlatform(fakeIcacls(icacls()).run, 'alice'))).toBe('y');
  });
});

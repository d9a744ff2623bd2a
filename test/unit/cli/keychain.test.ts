import { describe, expect, it } from 'vitest';
import { KeychainError, keychainFor, type RunTool } from '../../../src/cli/keychain.js';

/** A fake keychain tool: records each call (argv and stdin) and answers with `stdout`/`status`. */
function fakeTool(answer: { status?: number; stdout?: string; missing?: boolean } = {}) {
  const calls: { file: string; args: string[]; input: string | undefined }[] = [];
  const run: RunTool = (file, args, input) => {
    calls.push({ file, args, input });
    return { status: answer.status ?? 0, stdout: answer.stdout ?? '', stderr: 'tool says no', missing: answer.missing ?? false };
  };
  return { run, calls };
}

const BROKER = 'https://rolegate.corp.example';
const SECRET = 'rgrt_c2VjcmV0LXJlZnJlc2gtdG9rZW4';

describe.each(['linux', 'darwin', 'win32'] as const)('the %s keychain', (platform) => {
  it('when a secret is stored, then it goes to the tool on stdin, never in its arguments', () => {
    const tool = fakeTool();
    keychainFor(platform, tool.run).store(BROKER, SECRET);
    expect(tool.calls).toHaveLength(1);
    expect(tool.calls[0]?.args.join(' ')).not.toContain(SECRET);
    expect(tool.calls[0]?.input).toContain(SECRET);
    expect(`${tool.calls[0]?.args.join(' ') ?? ''}${tool.calls[0]?.input ?? ''}`).toContain(BROKER);
  });

  it('when a secret is loaded, then the tool’s answer comes back without its newline', () => {
    const tool = fakeTool({ stdout: `${SECRET}\n` });
    expect(keychainFor(platform, tool.run).load(BROKER)).toBe(SECRET);
  });

  it('when the tool is missing or fails, then a KeychainError says which tool and why', () => {
    expect(() => keychainFor(platform, fakeTool({ missing: true }).run).load(BROKER)).toThrow(/is not installed/);
    expect(() => keychainFor(platform, fakeTool({ status: 44 }).run).load(BROKER)).toThrow(KeychainError);
    expect(() => keychainFor(platform, fakeTool({ status: 1 }).run).remove(BROKER)).toThrow('tool says no');
  });

  it('when the account or secret holds quotes or spaces, then the keychain refuses rather than pass them to the tool', () => {
    const tool = fakeTool();
    expect(() => keychainFor(platform, tool.run).store(`${BROKER}" -x "`, SECRET)).toThrow(KeychainError);
    expect(() => keychainFor(platform, tool.run).store(BROKER, "a'b")).toThrow(KeychainError);
    expect(tool.calls).toEqual([]);
  });
});

describe('which tool', () => {
  it('when on macOS, Linux or Windows, then security, secret-tool or PowerShell (PasswordVault) is used', () => {
    for (const [platform, file] of [
      ['darwin', 'security'],
      ['linux', 'secret-tool'],
      ['freebsd', 'secret-tool'],
      ['win32', 'powershell.exe'],
    ] as const) {
      const tool = fakeTool({ stdout: 'x' });
      keychainFor(platform, tool.run).load(BROKER);
      expect(tool.calls[0]?.file).toBe(file);
    }
  });
});

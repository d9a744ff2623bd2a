/** The item name in the OS keychain; the account is the broker URL. */
export const KEYCHAIN_SERVICE = 'rolegate-cli';

/** The OS keychain could not store, find or delete the secret (tool missing, locked, refused). */
export class KeychainError extends Error {
  override name = 'KeychainError';
}

export interface Keychain {
  /** The tool used, for messages: `security`, `secret-tool`, `powershell.exe`. */
  tool: string;
  store(account: string, secret: string): void;
  /** The secret; throws KeychainError when it is not there or cannot be read. */
  load(account: string): string;
  remove(account: string): void;
}

/** Runs a program without a shell, the secret (if any) on its stdin — never in argv, where `ps` would show it. */
export type RunTool = (
  file: string,
  args: string[],
  input?: string,
) => { status: number | null; stdout: string; stderr: string; missing: boolean };

const runTool: RunTool = (file, args, input) => {
  // Loaded when a tool runs, not with this module: a token refresh with the refresh token in the file never needs it.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const result = spawnSync(file, args, { input: input ?? '', encoding: 'utf8', timeout: 15_000, windowsHide: true });
  const error: NodeJS.ErrnoException | undefined = result.error;
  const code = error?.code;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, missing: code === 'ENOENT' };
};

/** Accounts and secrets are URLs and base64url tokens: anything else is refused rather than quoted for a tool's own parser. */
const PLAIN = /^[\w.:/@%+=~-]{1,2048}$/;

/**
 * The OS keychain through its own command-line tool: the macOS Keychain
 * (`security`), the Secret Service on Linux (`secret-tool`, libsecret), or
 * the Windows Credential Manager (PowerShell's PasswordVault). Each call is a
 * short process start: the refresh token is needed only to refresh (every
 * 15 minutes) and to sign out, never on the warm credential-process path.
 */
export function keychainFor(platform: NodeJS.Platform = process.platform, run: RunTool = runTool): Keychain {
  const call = (tool: string, args: string[], input?: string) => {
    const result = run(tool, args, input);
    if (result.missing) throw new KeychainError(`${tool} is not installed`);
    if (result.status !== 0)
      throw new KeychainError(`${tool} failed (exit ${String(result.status)}): ${result.stderr.trim().slice(0, 200)}`);
    return result.stdout;
  };
  const check = (...values: string[]) => {
    if (!values.every((v) => PLAIN.test(v)))
      throw new KeychainError('the account or secret has characters the keychain tool would misread');
  };
  if (platform === 'darwin') {
    return {
      tool: 'security',
      store(account, secret) {
        check(account, secret);
        // `security -i` reads the command from stdin, so the secret is not in argv.
        call('security', ['-i'], `add-generic-password -U -s ${KEYCHAIN_SERVICE} -a "${account}" -w "${secret}"\n`);
      },
      load(account) {
        check(account);
        return call('security', ['find-generic-password', '-s', KEYCHAIN_SERVICE, '-a', account, '-w']).replace(/\r?\n$/, '');
      },
      remove(account) {
        check(account);
        call('security', ['delete-generic-password', '-s', KEYCHAIN_SERVICE, '-a', account]);
      },
    };
  }
  if (platform === 'win32') {
    const vault =
      "$ErrorActionPreference = 'Stop'; [void][Windows.Security.Credentials.PasswordVault,Windows.Security.Credentials,ContentType=WindowsRuntime]; $v = New-Object Windows.Security.Credentials.PasswordVault;";
    const ps = (account: string, script: string, input?: string) =>
      call('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', `${vault} $a = '${account}'; ${script}`], input);
    const drop = `try { $v.Remove($v.Retrieve('${KEYCHAIN_SERVICE}', $a)) } catch {}`;
    return {
      tool: 'powershell.exe',
      store(account, secret) {
        check(account, secret);
        ps(
          account,
          `$s = [Console]::In.ReadLine(); ${drop}; $v.Add((New-Object Windows.Security.Credentials.PasswordCredential('${KEYCHAIN_SERVICE}', $a, $s)))`,
          `${secret}\n`,
        );
      },
      load(account) {
        check(account);
        return ps(account, `$c = $v.Retrieve('${KEYCHAIN_SERVICE}', $a); $c.RetrievePassword(); [Console]::Out.Write($c.Password)`).replace(
          /\r?\n$/,
          '',
        );
      },
      remove(account) {
        check(account);
        ps(account, drop);
      },
    };
  }
  return {
    tool: 'secret-tool',
    store(account, secret) {
      check(account, secret);
      call('secret-tool', ['store', '--label', `rolegate CLI (${account})`, 'service', KEYCHAIN_SERVICE, 'account', account], secret);
    },
    load(account) {
      check(account);
      const secret = call('secret-tool', ['lookup', 'service', KEYCHAIN_SERVICE, 'account', account]).replace(/\r?\n$/, '');
      if (secret === '') throw new KeychainError('secret-tool found nothing');
      return secret;
    },
    remove(account) {
      check(account);
      call('secret-tool', ['clear', 'service', KEYCHAIN_SERVICE, 'account', account]);
    },
  };
}

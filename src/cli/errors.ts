/**
 * Exit codes of the rolegate CLI, one per class of failure, so scripts (and
 * the AWS SDKs, which only see "non-zero") can tell them apart. Documented in
 * docs/cli.md; never renumber.
 */
export const ExitCode = {
  ok: 0,
  /** A bug: an error the CLI did not expect (`--debug` shows the stack). */
  internal: 1,
  /** Bad arguments or an unknown command (for `exec`: the command to run was not found). */
  usage: 2,
  /** Not signed in, or the CLI session ended or was revoked: run `rolegate login`. */
  loginRequired: 3,
  /** The broker cannot be reached (connection refused, DNS, timeout). */
  unreachable: 4,
  /** The broker refused: not entitled to the role, or forbidden. */
  denied: 5,
  /** The broker answered with an error or something that is not rolegate. */
  brokerError: 6,
  /** A token, cache or config file (or its directory) is readable by other users or owned by someone else. */
  insecureFile: 7,
  /** Bad configuration: no or invalid broker URL, unreadable config.json. */
  config: 8,
  /** Sign-in did not complete: denied in the browser or on the portal, code expired, timed out. */
  loginFailed: 9,
  /** Another rolegate process held the lock for too long. */
  busy: 10,
  /** The role is one you are eligible for (just-in-time access) but hold no active grant for: run `rolegate request`. */
  grantRequired: 11,
  /** `rolegate request --wait`: the request was denied (or withdrawn or ended before it could be used). */
  requestDenied: 12,
  /** `rolegate request --wait`: the request expired unanswered, or the wait ran out first. */
  requestExpired: 13,
  /** `rolegate test`: at least one expectation or rule failed (each failure is listed with the mapping that caused it). */
  testsFailed: 14,
  /** `rolegate test` / `rolegate diff`: an access or tests file is invalid (line:column), or a test names an unknown account or role. */
  invalidFile: 15,
  /** `rolegate doctor`: the AWS accounts' IAM does not match the access model (each finding is printed with its fix). */
  findings: 16,
  /** Interrupted (Ctrl-C) while waiting; nothing was changed. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line on stderr, plus a hint, with a distinct exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const LOGIN_HINT = 'run `rolegate login`';

/**
 * The hint of an error that did not bring its own: docs/cli.md promises a
 * `hint:` line under every error, so each class of failure has one.
 */
export const DEFAULT_HINTS: Record<ExitCodeValue, string> = {
  [ExitCode.ok]: '',
  [ExitCode.internal]: 'rerun with --debug and report it',
  [ExitCode.usage]: 'see `rolegate --help`',
  [ExitCode.loginRequired]: LOGIN_HINT,
  [ExitCode.unreachable]: 'check --broker / ROLEGATE_URL and your network',
  [ExitCode.denied]: '`rolegate roles` lists what you may take; ask your administrator for access',
  [ExitCode.brokerError]: 'try again shortly; if it persists, rerun with --debug and tell the broker’s operators',
  [ExitCode.insecureFile]: 'fix the permissions as shown, then retry',
  [ExitCode.config]: 'see `rolegate --help` and docs/cli.md (which broker)',
  [ExitCode.loginFailed]: 'run `rolegate login` again',
  [ExitCode.busy]: 'retry; if no other rolegate is running, delete the lock file named above',
  [ExitCode.requestDenied]: '`rolegate requests` shows the decision and its comment',
  [ExitCode.requestExpired]: 'ask again with `rolegate request`, or ask an approver to look at it sooner',
  [ExitCode.testsFailed]: 'fix the access file or the expectation; each failure names the mapping that decided it',
  [ExitCode.invalidFile]: 'fix the file at the line and column shown (docs/access-as-code.md)',
  [ExitCode.findings]: 'apply the fix printed under each finding (or the whole `rolegate iam-template`), then run `rolegate doctor` again',
  [ExitCode.interrupted]: '`rolegate requests` shows the state of your requests',
  [ExitCode.grantRequired]:
    'run `rolegate request --account <account> --role <role> --duration 1h --reason "…"`, and use the role once it is approved',
};

export function loginRequired(message: string, hint = LOGIN_HINT): CliError {
  return new CliError(ExitCode.loginRequired, message, hint);
}

/**
 * Writes the error to stderr (`rolegate: <message>` and `hint: …`) and
 * returns its exit code. Never prints a stack unless --debug.
 */
export function reportError(error: unknown, options: { debug: boolean; write?: (text: string) => void }): ExitCodeValue {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const known = classify(error);
  const hint = known.hint !== undefined && known.hint !== '' ? known.hint : DEFAULT_HINTS[known.exitCode];
  write(`rolegate: ${oneLine(known.message)}\nhint: ${oneLine(hint)}\n`);
  if (options.debug && error instanceof Error && error.stack && !(error instanceof CliError)) write(`${error.stack}\n`);
  return known.exitCode;
}

function classify(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof Error) {
    // secure-files.ts and file-lock.ts stay free of CLI types; recognise their errors by name.
    if (error.name === 'InsecureFileError')
      return new CliError(ExitCode.insecureFile, error.message, 'fix the permissions as shown, then retry');
    if (error.name === 'LockTimeoutError') {
      return new CliError(ExitCode.busy, error.message, 'if no other rolegate is running, delete the lock file and retry');
    }
    // The broker's OAuth error answers (oauth-client.ts) that no command handled: a refusal, not a bug.
    if (error.name === 'OAuthAnswerError') return new CliError(ExitCode.brokerError, `the broker refused: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      return new CliError(ExitCode.insecureFile, error.message, 'check the owner and permissions of the rolegate config directory');
    }
    return new CliError(ExitCode.internal, `unexpected error: ${error.message}`, 'rerun with --debug and report it');
  }
  return new CliError(ExitCode.internal, `unexpected error: ${String(error)}`, 'rerun with --debug and report it');
}

/** One line of printable text: whatever a broker or a file said cannot add lines or terminal escapes to stderr. */
export function oneLine(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '?')
    .trim();
}

import { parseArgs } from 'node:util';
import { CliError, ExitCode, reportError } from '../errors.js';

// `rolegate credential-process` runs on every AWS CLI/SDK call: main.ts loads
// this module without commander or zod (start-up budget: 1.5× `node -e 0`).
// Keep its imports to node: built-ins and the light CLI modules
// (cli-context, access-token, api-client, credential-cache, file-lock).

export interface CredentialProcessArgs {
  account: string;
  role: string;
  durationSeconds?: number;
  broker?: string;
  debug: boolean;
}

/** Parses `credential-process --account A --role R [--duration S] [--broker URL] [--debug]`, strictly. */
export function parseCredentialProcessArgs(argv: readonly string[]): CredentialProcessArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        account: { type: 'string' },
        role: { type: 'string' },
        duration: { type: 'string' },
        broker: { type: 'string' },
        debug: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new CliError(ExitCode.usage, (error as Error).message, 'see `rolegate credential-process --help`');
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'credential-process') {
    throw new CliError(ExitCode.usage, `unexpected argument ${positionals.filter((p) => p !== 'credential-process').join(' ')}`);
  }
  if (!values.account || !values.role) {
    throw new CliError(ExitCode.usage, 'credential-process needs --account and --role', 'see `rolegate credential-process --help`');
  }
  let durationSeconds: number | undefined;
  if (values.duration !== undefined) {
    durationSeconds = Number(values.duration);
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43_200) {
      throw new CliError(ExitCode.usage, `--duration must be whole seconds from 900 to 43200, got ${values.duration}`);
    }
  }
  return {
    account: values.account,
    role: values.role,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(values.broker !== undefined ? { broker: values.broker } : {}),
    debug: values.debug === true,
  };
}

/**
 * Entry point of the fast path. STUB: the arguments are checked, the rest is
 * the next step of issue 7 (local cache → getAccessToken → POST
 * /api/v1/credentials → cache → print the Version 1 JSON on stdout).
 */
export function runCredentialProcess(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    parseCredentialProcessArgs(argv);
    throw new CliError(
      ExitCode.usage,
      'credential-process is not implemented yet',
      'use the rolegate portal to copy credentials meanwhile',
    );
  } catch (error) {
    return Promise.resolve(reportError(error, { debug }));
  }
}

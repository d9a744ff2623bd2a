import { parseArgs } from 'node:util';
import { createCliContext } from '../cli-context.js';
import { CliError, ExitCode, reportError } from '../errors.js';
import { durationOf, refreshSettings } from '../refresh-settings.js';
import { getRoleCredentials } from '../role-credentials.js';

// `rolegate credential-process` runs on every AWS CLI/SDK call: main.ts loads
// this module without commander or zod (start-up budget: 1.5× `node -e 0`).
// Keep its static imports to node: built-ins and light CLI modules; the HTTP
// and OAuth modules are imported by role-credentials.ts on a cache miss only.

export interface CredentialProcessArgs {
  account: string;
  role: string;
  durationSeconds?: number;
  justification?: string;
  refreshMargin?: string;
  broker?: string;
  debug: boolean;
}

/** Parses `credential-process --account A --role R [--duration S] [--refresh-margin S] [--justification T] [--broker URL] [--debug]`, strictly. */
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
        'refresh-margin': { type: 'string' },
        justification: { type: 'string' },
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
  const durationSeconds = durationOf(values.duration);
  return {
    account: values.account,
    role: values.role,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(values.justification !== undefined ? { justification: values.justification } : {}),
    ...(values['refresh-margin'] !== undefined ? { refreshMargin: values['refresh-margin'] } : {}),
    ...(values.broker !== undefined ? { broker: values.broker } : {}),
    debug: values.debug === true,
  };
}

/**
 * Entry point of the fast path: prints exactly the AWS `credential_process`
 * JSON (Version 1) on stdout, or one error line and a hint on stderr with a
 * non-zero exit code. Returns the exit code.
 */
export async function runCredentialProcess(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const args = parseCredentialProcessArgs(argv);
    const ctx = createCliContext({ ...(args.broker !== undefined ? { brokerFlag: args.broker } : {}), debug: args.debug });
    const { entry } = await getRoleCredentials(
      ctx,
      {
        account: args.account,
        role: args.role,
        ...(args.durationSeconds !== undefined ? { durationSeconds: args.durationSeconds } : {}),
        ...(args.justification !== undefined ? { justification: args.justification } : {}),
      },
      { ...refreshSettings(ctx.env, args.refreshMargin), warn: (text) => process.stderr.write(text) },
    );
    const c = entry.credentials;
    const output = {
      Version: 1,
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      SessionToken: c.SessionToken,
      Expiration: c.Expiration,
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, { debug });
  }
}

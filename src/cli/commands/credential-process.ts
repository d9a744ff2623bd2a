import { checkBrokerUrl } from '../broker-url.js';
import { cliPaths, configDirFrom } from '../config-dir.js';
import { cacheFileFor, isWarm, readCachedCredentials, type ProcessCredentials } from '../credential-cache.js';
import { CliError, ExitCode, reportError } from '../errors.js';
import { durationOf, refreshSettings } from '../refresh-settings.js';
import { parseRoleName } from '../fast-path.js';
import { ensurePrivateDir, readPrivateFile } from '../secure-files.js';

// node:fs through getBuiltinModule, not `import … from 'node:fs'`: see main.ts.
const { writeSync } = process.getBuiltinModule('node:fs');

// `rolegate credential-process` runs on every AWS CLI/SDK call: main.ts loads
// this module without commander or zod (start-up budget: 1.5× `node -e 0`).
// The warm path (a cached answer with more than the margin left) loads only
// the static imports above — node: built-ins and tiny modules; everything
// else (context, lock, HTTP, OAuth) is imported on a cache miss only.

export interface CredentialProcessArgs {
  account: string;
  role: string;
  durationSeconds?: number;
  justification?: string;
  refreshMargin?: string;
  broker?: string;
  debug: boolean;
}

const VALUE_OPTIONS = new Set(['account', 'role', 'duration', 'refresh-margin', 'justification', 'broker']);

/**
 * Parses `credential-process --account A --role R [--duration S] [--refresh-margin S]
 * [--justification T] [--broker URL] [--debug]`, strictly (unknown options and
 * missing values are usage errors). By hand rather than node:util parseArgs:
 * this runs on every AWS call and parseArgs costs about a millisecond to load.
 */
export function parseCredentialProcessArgs(argv: readonly string[]): CredentialProcessArgs {
  const usage = (message: string) => new CliError(ExitCode.usage, message, 'see `rolegate credential-process --help`');
  const values = new Map<string, string>();
  const positionals: string[] = [];
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : arg;
    if (name === 'debug' && eq === -1) {
      debug = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) throw usage(`unknown option ${arg.slice(0, eq === -1 ? undefined : eq).slice(0, 60)}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw usage(`--${name} needs a value`);
    values.set(name, value);
  }
  if (positionals.length < 1 || positionals.length > 2 || positionals[0] !== 'credential-process') {
    throw usage(
      `unexpected argument ${positionals
        .filter((p) => p !== 'credential-process')
        .join(' ')
        .slice(0, 100)}`,
    );
  }
  // `credential-process sandbox/Developer`, `--role sandbox/Developer`, or `--account sandbox --role Developer`.
  const short = positionals[1] ?? (values.has('account') ? undefined : values.get('role'));
  const named = short === undefined ? undefined : parseRoleName(short);
  if (short !== undefined && (!named || (positionals[1] !== undefined && (values.has('account') || values.has('role'))))) {
    throw usage(`give the role as account/role or with --account and --role, got ${short.slice(0, 100)}`);
  }
  const account = named?.account ?? values.get('account');
  const role = named?.role ?? values.get('role');
  if (!account || !role) throw usage('credential-process needs a role: account/role, or --account and --role');
  const durationSeconds = durationOf(values.get('duration'));
  const justification = values.get('justification');
  const refreshMargin = values.get('refresh-margin');
  const broker = values.get('broker');
  return {
    account,
    role,
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(justification !== undefined ? { justification } : {}),
    ...(refreshMargin !== undefined ? { refreshMargin } : {}),
    ...(broker !== undefined ? { broker } : {}),
    debug,
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
    const settings = refreshSettings(process.env, args.refreshMargin);
    // A justification is one break-glass use, never answered from the cache (role-credentials.ts).
    const warm = args.justification === undefined ? warmCredentials(args, process.env, settings.refreshMarginMs) : undefined;
    if (warm) {
      if (debug) process.stderr.write('rolegate debug: answered from the local cache\n');
      print(warm);
      return ExitCode.ok;
    }
    const [{ createCliContext }, { getRoleCredentials }] = await Promise.all([
      import('../cli-context.js'),
      import('../role-credentials.js'),
    ]);
    const ctx = createCliContext({ ...(args.broker !== undefined ? { brokerFlag: args.broker } : {}), debug: args.debug });
    const { entry } = await getRoleCredentials(
      ctx,
      {
        account: args.account,
        role: args.role,
        ...(args.durationSeconds !== undefined ? { durationSeconds: args.durationSeconds } : {}),
        ...(args.justification !== undefined ? { justification: args.justification } : {}),
      },
      { ...settings, warn: (text) => process.stderr.write(text) },
    );
    print(entry.credentials);
    return ExitCode.ok;
  } catch (error) {
    return reportError(error, { debug });
  }
}

function print(c: ProcessCredentials): void {
  const output = {
    Version: 1,
    AccessKeyId: c.AccessKeyId,
    SecretAccessKey: c.SecretAccessKey,
    SessionToken: c.SessionToken,
    Expiration: c.Expiration,
  };
  const bytes = Buffer.from(`${JSON.stringify(output)}\n`);
  // Straight to fd 1: creating process.stdout costs more than the rest of the warm path's own work.
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(1, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      process.stdout.write(bytes.subarray(written)); // a full non-blocking pipe: let the stream wait for it
      return;
    }
  }
}

/**
 * The cached answer when it has more than the margin left, found with the
 * same broker resolution as cli-context.ts (--broker, ROLEGATE_URL,
 * config.json, the current sign-in) but nothing heavier than a few file
 * reads. Undefined whenever anything is unusual: the cold path then does it
 * properly and reports what is wrong. Insecure files are refused here too.
 */
function warmCredentials(
  args: CredentialProcessArgs,
  env: Readonly<Record<string, string | undefined>>,
  marginMs: number,
): ProcessCredentials | undefined {
  const home = env.HOME;
  if (!home) return undefined;
  const paths = cliPaths(configDirFrom(env, home));
  ensurePrivateDir(paths.dir);
  const broker = warmBroker(args.broker, env.ROLEGATE_URL, paths);
  if (broker === undefined) return undefined;
  const request = {
    broker,
    account: args.account,
    role: args.role,
    ...(args.durationSeconds !== undefined ? { durationSeconds: args.durationSeconds } : {}),
  };
  const entry = readCachedCredentials(cacheFileFor(paths.cacheDir, request), request);
  return entry && isWarm(entry, Date.now(), marginMs) ? entry.credentials : undefined;
}

function warmBroker(flag: string | undefined, fromEnv: string | undefined, paths: { config: string; tokens: string }): string | undefined {
  const given = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';
  let value: unknown = given(flag) ? flag : given(fromEnv) ? fromEnv : undefined;
  if (value === undefined) value = brokerIn(paths.config);
  if (!given(value)) value = brokerIn(paths.tokens);
  if (!given(value)) return undefined;
  try {
    return checkBrokerUrl(value.trim(), 'the cache lookup');
  } catch {
    return undefined;
  }
}

/** The "broker" of a JSON file (config.json, tokens.json); undefined when absent or unparsable. */
function brokerIn(file: string): unknown {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { broker?: unknown }).broker;
  } catch {
    return undefined;
  }
}

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { RefreshSettings } from '../refresh-settings.js';
import { getRoleCredentials, type RoleRequest } from '../role-credentials.js';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * `rolegate exec --account A --role R -- cmd args…`: runs the command with the
 * role's credentials in its environment (AWS_PROFILE removed, so no profile
 * overrides them), stdio passed through. Resolves with the child's exit code;
 * a child killed by a signal ends rolegate with the same signal.
 */
export async function runExec(
  ctx: CliContext,
  request: RoleRequest,
  command: string[],
  settings: RefreshSettings,
  stderr: (text: string) => void,
): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new CliError(ExitCode.usage, 'exec needs a command after --', 'e.g. rolegate exec --account A --role R -- aws s3 ls');
  const { entry } = await getRoleCredentials(ctx, request, { ...settings, warn: stderr });
  return spawnWith(file, args, execEnvironment(ctx.env, entry.credentials, entry.region), ctx);
}

/** The child's environment: ours, minus AWS_PROFILE and other credential sources, plus the role's credentials. */
export function execEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string },
  accountRegion?: string,
): Record<string, string> {
  // A profile (or a container credentials endpoint) would win over or confuse the variables below.
  const dropped = new Set([
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  ]);
  const next: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !dropped.has(name)) next[name] = value;
  next.AWS_ACCESS_KEY_ID = credentials.AccessKeyId;
  next.AWS_SECRET_ACCESS_KEY = credentials.SecretAccessKey;
  next.AWS_SESSION_TOKEN = credentials.SessionToken;
  next.AWS_CREDENTIAL_EXPIRATION = credentials.Expiration;
  // A region the user chose wins; otherwise the account's home region, so `aws …` works without --region.
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? accountRegion;
  if (region) {
    if (env.AWS_REGION === undefined) next.AWS_REGION = region;
    if (env.AWS_DEFAULT_REGION === undefined) next.AWS_DEFAULT_REGION = region;
  }
  return next;
}

function spawnWith(file: string, args: string[], env: Record<string, string>, ctx: CliContext): Promise<number> {
  return new Promise((resolve, reject) => {
    ctx.debug(`running ${file} with the role's credentials`);
    const child = spawn(file, args, { env, stdio: 'inherit' });
    // Ctrl-C reaches the whole foreground process group, the child included: rolegate only
    // outlives it (and waits for the child's exit). Other signals reach only us: pass them on.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const ignore = () => undefined;
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    process.on('SIGINT', ignore);
    const cleanup = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      process.off('SIGINT', ignore);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(
        error.code === 'ENOENT'
          ? new CliError(ExitCode.usage, `command not found: ${file}`, 'check the command after --')
          : new CliError(ExitCode.internal, `could not run ${file}: ${error.message}`),
      );
    });
    child.once('exit', (code, signal) => {
      cleanup();
      if (signal) {
        // Die the way the child died, so a shell sees "killed by SIGTERM" rather than a code.
        process.kill(process.pid, signal);
        resolve(128 + constants.signals[signal]);
        return;
      }
      resolve(code ?? 1);
    });
  });
}

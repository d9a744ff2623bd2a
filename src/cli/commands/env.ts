import type { CliContext } from '../cli-context.js';
import type { CachedCredentials } from '../credential-cache.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import type { RefreshSettings } from '../refresh-settings.js';
import { getRoleCredentials, type RoleRequest } from '../role-credentials.js';
import { noteRoleUse } from '../roles/choose-role.js';
import { shortName } from '../roles/role-name.js';
import { formatVariables, type EnvFormat, type VariableChanges } from '../shell-formats.js';

export interface EnvOptions {
  format: EnvFormat;
  /** Print the lines that remove what `env` set (the shell function's `assume --unset`). */
  unset: boolean;
}

/** Variables that would take precedence over (or confuse) the credentials: removed. */
const COMPETING = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN'];
const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'];
/** Names the role in the prompt (shell-init) and tells a later `env` which region it set itself. */
const ROLE_VAR = 'ROLEGATE_ROLE';
const REGION_VAR = 'ROLEGATE_ROLE_REGION';

/**
 * `rolegate env [account/role] [--format sh|fish|powershell|json|dotenv]`
 * (alias `export-credentials`): the role's credentials as lines for the
 * current shell — `eval "$(rolegate env sandbox/Developer)"` — or as the
 * credential_process JSON (`--format json`) or a dotenv file. From the same
 * local cache as `credential-process`.
 */
export async function runEnv(
  ctx: CliContext,
  request: RoleRequest | undefined,
  options: EnvOptions,
  settings: RefreshSettings,
  out: Output,
): Promise<void> {
  if (options.unset) {
    if (options.format === 'json') throw new CliError(ExitCode.usage, '--unset prints shell lines: use --format sh, fish or powershell');
    out.stdout(options.format === 'dotenv' ? '' : formatVariables(options.format, unsetChanges(ctx.env)));
    return;
  }
  if (!request) throw new CliError(ExitCode.usage, 'env needs a role');
  const { entry } = await getRoleCredentials(ctx, request, { ...settings, warn: (text) => out.stderr(text) });
  checkPrintable(entry);
  noteRoleUse(ctx, entry.accountId, request.role);
  const c = entry.credentials;
  if (options.format === 'json') {
    const json = {
      Version: 1,
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      SessionToken: c.SessionToken,
      Expiration: c.Expiration,
    };
    out.stdout(`${JSON.stringify(json)}\n`);
  } else {
    out.stdout(formatVariables(options.format, setChanges(ctx.env, entry, shortName(request), options.format !== 'dotenv')));
  }
  if (process.stderr.isTTY) out.stderr(`rolegate: ${shortName(request)} until ${new Date(c.Expiration).toLocaleTimeString()}\n`);
}

/**
 * What to set: the credentials, the role's name, and the account's home
 * region unless the user chose one (a region set by an earlier `env` is
 * ours to replace: REGION_VAR remembers it). For shells, the competing
 * variables are unset.
 */
export function setChanges(
  env: Readonly<Record<string, string | undefined>>,
  entry: CachedCredentials,
  name: string,
  forShell: boolean,
): VariableChanges {
  const c = entry.credentials;
  const set: [string, string][] = [
    ['AWS_ACCESS_KEY_ID', c.AccessKeyId],
    ['AWS_SECRET_ACCESS_KEY', c.SecretAccessKey],
    ['AWS_SESSION_TOKEN', c.SessionToken],
    ['AWS_CREDENTIAL_EXPIRATION', c.Expiration],
  ];
  const ours = env[REGION_VAR];
  const userRegion = (value: string | undefined) => value !== undefined && value !== '' && value !== ours;
  if (entry.region) {
    if (!userRegion(env.AWS_REGION)) set.push(['AWS_REGION', entry.region]);
    if (!userRegion(env.AWS_DEFAULT_REGION)) set.push(['AWS_DEFAULT_REGION', entry.region]);
    if (forShell) set.push([REGION_VAR, entry.region]);
  }
  if (forShell) set.push([ROLE_VAR, name]);
  return { set, unset: forShell ? COMPETING : [] };
}

/** What `assume --unset` removes: the credentials, the role's name, and the region only if `env` set it. */
export function unsetChanges(env: Readonly<Record<string, string | undefined>>): VariableChanges {
  const ours = env[REGION_VAR];
  const regions = ['AWS_REGION', 'AWS_DEFAULT_REGION'].filter((n) => ours !== undefined && env[n] === ours);
  return { set: [], unset: [...CREDENTIALS, ...regions, ROLE_VAR, REGION_VAR] };
}

/** The broker's values go into shell code: refuse anything but printable ASCII without spaces. */
function checkPrintable(entry: CachedCredentials): void {
  const c = entry.credentials;
  for (const value of [c.AccessKeyId, c.SecretAccessKey, c.SessionToken, c.Expiration, entry.region ?? '']) {
    if (!/^[\x21-\x7e]*$/.test(value)) {
      throw new CliError(
        ExitCode.brokerError,
        'the broker’s credentials contain characters that cannot be credentials',
        'tell the broker’s operators',
      );
    }
  }
}

import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { profileNameFor } from '../../contracts/profile-name.js';
import type { RolesResponse } from '../../contracts/roles.js';
import { callApi } from '../api-client.js';
import { lineDiff, updateAwsConfig, type ManagedProfile } from '../aws-config-file.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import { saveRoles } from '../roles/roles-cache.js';
import { cliArgv } from '../self-invocation.js';

export interface ConfigureOptions {
  prefix: string;
  dryRun: boolean;
  /** --config-file; else AWS_CONFIG_FILE; else ~/.aws/config. */
  configFile?: string;
  json: boolean;
}

/**
 * `rolegate configure`: one `[profile <prefix><alias>-<role>]` per entitled
 * role in the AWS config file, each running `rolegate credential-process`.
 * Only rolegate's own (marked) profiles of this broker are rewritten or
 * removed; the previous file is kept as `<file>.rolegate-backup-<time>`.
 */
export async function runConfigure(ctx: CliContext, options: ConfigureOptions, out: Output): Promise<void> {
  const broker = ctx.broker();
  const roles = await callApi<RolesResponse>(ctx, { method: 'GET', path: '/api/v1/roles' });
  saveRoles(ctx.paths.roles, broker.url, roles, ctx.now());
  const file = awsConfigFile(ctx.env, options.configFile);
  const before = readConfig(file);
  // The broker goes into the command only when it would not be found without it.
  const brokerArgs = broker.source === '--broker' || broker.source === 'ROLEGATE_URL' ? ` --broker ${shellQuote(broker.url)}` : '';
  const profiles: ManagedProfile[] = [];
  const breakGlass: string[] = [];
  for (const account of roles.accounts) {
    for (const role of account.roles) {
      const name = profileNameFor(account.alias, role.name, options.prefix);
      // A break-glass role needs a fresh justification each time: no profile that would hide it.
      if (role.breakGlass) {
        breakGlass.push(name);
        continue;
      }
      profiles.push({
        name,
        settings: [
          [
            'credential_process',
            `${cliInvocation()} credential-process --account ${account.id} --role ${shellQuote(role.name)}${brokerArgs}`,
          ],
          ['region', account.region],
        ],
      });
    }
  }
  const update = updateAwsConfig(before ?? '', broker.url, profiles);
  const changed = update.text !== (before ?? '');
  let backup: string | undefined;
  if (options.dryRun) {
    if (!options.json) out.stdout(changed ? lineDiff(before ?? '', update.text) : '');
  } else if (changed) {
    backup = writeConfig(file, before, update.text);
  }
  if (options.json) {
    const { text: _text, ...summary } = update;
    out.stdout(`${JSON.stringify({ file, dryRun: options.dryRun, changed, backup: backup ?? null, ...summary, breakGlass }, null, 2)}\n`);
    return;
  }
  const list = (names: string[]) => names.join(', ');
  const lines = [
    `${options.dryRun ? 'Would update' : changed ? 'Updated' : 'No change to'} ${file}:`,
    update.added.length > 0 ? `  added: ${list(update.added)}` : '',
    update.updated.length > 0 ? `  updated: ${list(update.updated)}` : '',
    update.removed.length > 0 ? `  removed (no longer entitled): ${list(update.removed)}` : '',
    update.unchanged.length > 0 ? `  unchanged: ${list(update.unchanged)}` : '',
    update.skipped.length > 0 ? `  skipped (a profile of that name exists that rolegate did not write): ${list(update.skipped)}` : '',
    breakGlass.length > 0 ? `  not written (break-glass, use \`rolegate exec --justification …\`): ${list(breakGlass)}` : '',
    backup ? `Backup of the previous file: ${backup}` : '',
    !options.dryRun && profiles.length > 0 ? `Try: aws sts get-caller-identity --profile ${profiles[0]?.name ?? ''}` : '',
  ];
  out.stderr(`${lines.filter((l) => l !== '').join('\n')}\n`);
}

/** The AWS CLI's own rule: AWS_CONFIG_FILE (with ~ expanded), else ~/.aws/config. */
export function awsConfigFile(env: Readonly<Record<string, string | undefined>>, flag?: string): string {
  const home = env.HOME ?? homedir();
  const given = flag ?? env.AWS_CONFIG_FILE;
  if (given === undefined || given.trim() === '') return path.join(home, '.aws', 'config');
  return path.resolve(given.startsWith('~/') ? path.join(home, given.slice(2)) : given);
}

/** cliArgv() as one credential_process command line (quoted for botocore's shlex.split). */
export function cliInvocation(script?: string, node?: string): string {
  return cliArgv(script, node).map(shellQuote).join(' ');
}

/** Quotes for botocore's shlex.split: plain words stay as they are, others go in double quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

function readConfig(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(ExitCode.config, `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Backs the old file up, then replaces it atomically with the same mode (0600 when new). Returns the backup's path. */
export function writeConfig(file: string, before: string | undefined, text: string): string | undefined {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let backup: string | undefined;
  let mode = 0o600;
  if (before !== undefined) {
    mode = statSync(file).mode & 0o777;
    backup = `${file}.rolegate-backup-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(file, backup);
  }
  const temp = `${file}.rolegate-${String(process.pid)}.tmp`;
  writeFileSync(temp, text, { mode, flag: 'w' });
  renameSync(temp, file);
  return backup;
}

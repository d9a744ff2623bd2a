import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse } from 'yaml';
import { proposeAccountChanges, type DiscoveryFinding } from '../../domain/account-discovery.js';
import { accessDocumentSchema } from '../../domain/access-document.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import { describeAwsFailure } from './aws-failures.js';
import { readOrganization } from './organization-reader.js';

export interface DiscoverOptions {
  file: string;
  roleArn?: string;
  format: 'diff' | 'json';
  write: boolean;
  ou?: string;
  keepAbsent: boolean;
  region: string;
  timeoutSeconds: number;
}

/**
 * `rolegate accounts discover`: reads the Organization with the admin's own AWS
 * credentials (through --role-arn in the management account), proposes the access
 * file's additions and removals, and prints them as a unified diff (or JSON), or
 * writes the file with --write. Loaded only when the command runs (program.ts).
 */
export async function runDiscovery(options: DiscoverOptions, out: Output): Promise<void> {
  let before: string;
  try {
    before = readFileSync(options.file, 'utf8');
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const problem = documentProblem(before);
  if (problem !== undefined)
    throw new CliError(
      ExitCode.usage,
      `${options.file} is not a valid access file: ${problem}`,
      '`rolegate apply --dry-run -f <file>` shows every problem with its line',
    );

  const signal = AbortSignal.timeout(options.timeoutSeconds * 1000);
  let accounts;
  try {
    accounts = await readOrganization({ ...(options.roleArn ? { roleArn: options.roleArn } : {}), region: options.region, signal });
  } catch (error) {
    throw describeAwsFailure(error, { ...(options.roleArn ? { roleArn: options.roleArn } : {}), timeoutSeconds: options.timeoutSeconds });
  }

  const result = proposeAccountChanges(before, accounts, { ...(options.ou ? { ou: options.ou } : {}), keepAbsent: options.keepAbsent });
  if (!result.ok) throw new CliError(ExitCode.usage, `${options.file}: ${result.problem}`);
  const after = documentProblem(result.text);
  if (after !== undefined)
    throw new CliError(ExitCode.internal, `the proposed file would not be a valid access file (${after}); nothing written`);

  // The patch names the file as given (relative to here), so `git apply` / `patch -p1` run from here find it.
  const relative = path.relative(process.cwd(), path.resolve(options.file));
  const name = relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(options.file) : relative.split(path.sep).join('/');
  const patch =
    result.text === before ? '' : createTwoFilesPatch(`a/${name}`, `b/${name}`, before, result.text, undefined, undefined, { context: 3 });
  const summary = summarise(result.findings, accounts.length);
  if (options.write && result.text !== before) writeAtomically(options.file, result.text);
  if (options.format === 'json') {
    out.stdout(
      `${JSON.stringify({ organizationAccounts: accounts.length, findings: result.findings, written: options.write && patch !== '', patch }, null, 2)}\n`,
    );
    return;
  }
  if (options.write)
    out.stdout(`${patch === '' ? `No changes: ${options.file} already matches the Organization.` : `Wrote ${options.file}.`} ${summary}\n`);
  else {
    out.stdout(patch);
    out.stderr(`${summary}${patch === '' ? '' : ` Apply with \`git apply\` (or \`patch -p1\`), or rerun with --write.`}\n`);
  }
}

function documentProblem(text: string): string | undefined {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
  const checked = accessDocumentSchema.safeParse(data ?? {});
  if (checked.success) return undefined;
  const issue = checked.error.issues[0];
  return `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
}

function summarise(findings: readonly DiscoveryFinding[], total: number): string {
  const count = (kind: DiscoveryFinding['kind']) => findings.filter((f) => f.kind === kind).length;
  return `Organization: ${String(total)} accounts; ${String(count('add'))} to add, ${String(count('remove'))} to remove, ${String(count('renamed'))} renamed, ${String(count('moved'))} moved to another OU.`;
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.rolegate-${String(process.pid)}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

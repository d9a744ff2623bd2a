import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessApplyResponse, AccessChangeView } from '../../contracts/admin.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';
import { formatEffective } from '../effective-format.js';

const SIGN = { add: '+', change: '~', remove: '-' } as const;

/**
 * `rolegate apply -f access.yaml [--dry-run]`: the broker validates the file
 * (problems come back as `access.yaml:line:column path: message`), shows the
 * diff, and applies it in one transaction unless --dry-run.
 */
export async function runApply(
  ctx: CliContext,
  options: { file: string; dryRun: boolean; json: boolean; format?: 'text' | 'json' | 'markdown' },
  out: Output,
): Promise<void> {
  let yaml: string;
  try {
    yaml = options.file === '-' ? readFileSync(0, 'utf8') : readFileSync(options.file, 'utf8');
  } catch (error) {
    throw new CliError(ExitCode.usage, `cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const answer = await callApi<AccessApplyResponse>(ctx, {
    method: 'POST',
    path: '/api/v1/admin/access/apply',
    json: { yaml, dryRun: options.dryRun, source: options.file === '-' ? 'stdin' : path.basename(options.file) },
    timeoutMs: 300_000,
    // Every changed object is listed with its before and after: ~400 bytes each, 10 MB for a 20,000-role file applied from nothing.
    maxAnswerBytes: 512 * 1024 * 1024,
  });
  if (options.json || options.format === 'json') {
    out.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  if (options.format === 'markdown') {
    out.stdout(formatEffective(answer.effective ?? [], 'markdown'));
    return;
  }
  out.stdout(answer.changes.map(describe).join(''));
  // A plan also shows who gains or loses which role (and, for administrators and auditors, the named users).
  if (answer.effective !== undefined && answer.changes.length > 0) out.stdout(`\n${formatEffective(answer.effective, 'text')}\n`);
  const { add, change, remove } = answer.summary;
  if (answer.changes.length === 0) out.stdout('No changes: the broker already matches the file.\n');
  else
    out.stdout(
      `${options.dryRun ? 'Plan (dry run, nothing changed)' : 'Applied'}: ${String(add)} to add, ${String(change)} to change, ${String(remove)} to remove.\n`,
    );
}

function describe(change: AccessChangeView): string {
  const fields = change.fields ? ` (${change.fields.join(', ')})` : '';
  return `${SIGN[change.action]} ${change.kind} ${change.key}${fields}\n`;
}

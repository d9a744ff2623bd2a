import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamTemplateQuerySchema, type IamTemplateResponse } from '../../contracts/iam-template.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';

export interface IamTemplateOptions {
  account?: string;
  all: boolean;
  format?: string;
  hubPrincipal?: string;
  thumbprint?: string;
  outDir?: string;
}

/**
 * `rolegate iam-template (--account A | --all) --format cloudformation|terraform|aws-cli
 * [--hub-principal ARN] [--out-dir DIR]` (administrators): what each account needs in IAM, from
 * the broker's live access model (GET /api/v1/admin/iam-template, docs/admin.md#iam-setup-as-code).
 * One account goes to stdout; `--all` writes one file per account into `--out-dir`.
 */
export async function runIamTemplate(ctx: CliContext, options: IamTemplateOptions, out: Output): Promise<void> {
  if (options.all === (options.account !== undefined))
    throw new CliError(ExitCode.usage, 'give exactly one of --account <id-or-alias> or --all');
  if (options.all && options.outDir === undefined)
    throw new CliError(ExitCode.usage, '--all writes one file per account: give --out-dir <dir>');
  const parsed = iamTemplateQuerySchema.safeParse({
    format: options.format,
    ...(options.account === undefined ? {} : { account: options.account }),
    ...(options.hubPrincipal === undefined ? {} : { hubPrincipal: options.hubPrincipal }),
    ...(options.thumbprint === undefined ? {} : { thumbprint: options.thumbprint }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0] === 'hubPrincipal' ? '--hub-principal' : `--${String(issue?.path[0])}`;
    throw new CliError(
      ExitCode.usage,
      flag === '--format' ? '--format takes cloudformation, terraform or aws-cli' : `${flag}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const query = new URLSearchParams(Object.entries(parsed.data));
  const answer = await callApi<IamTemplateResponse>(ctx, { method: 'GET', path: `/api/v1/admin/iam-template?${query.toString()}` });
  // Said on stderr, so a template piped to a file or a shell stays clean.
  for (const doc of answer.documents)
    for (const note of doc.notes ?? []) out.stderr(`rolegate: ${doc.alias} (${doc.accountId}): ${note}\n`);
  if (options.outDir === undefined) {
    for (const doc of answer.documents) out.stdout(doc.content);
    return;
  }
  mkdirSync(options.outDir, { recursive: true });
  for (const doc of answer.documents) {
    const path = join(options.outDir, doc.fileName);
    writeFileSync(path, doc.content, { mode: doc.fileName.endsWith('.sh') ? 0o755 : 0o644 });
    out.stderr(`${path}: ${doc.alias} (${doc.accountId})\n`);
  }
}

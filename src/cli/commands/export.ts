import { writeFileSync } from 'node:fs';
import type { AccessExportResponse } from '../../contracts/admin.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';

/** `rolegate export [-o file]`: the broker's current access model as an access file (YAML). */
export async function runExport(ctx: CliContext, options: { output?: string; identityProviders: boolean }, out: Output): Promise<void> {
  const query = `format=json${options.identityProviders ? '&identityProviders=true' : ''}`;
  const answer = await callApi<AccessExportResponse>(ctx, { method: 'GET', path: `/api/v1/admin/access/export?${query}` });
  if (options.output === undefined || options.output === '-') {
    out.stdout(answer.yaml);
    return;
  }
  try {
    writeFileSync(options.output, answer.yaml, { mode: 0o644 });
  } catch (error) {
    throw new CliError(
      ExitCode.usage,
      `cannot write ${options.output}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  out.stderr(`Wrote ${options.output}.\n`);
}

import { iamDoctorQuerySchema, type IamDoctorResponse } from '../../contracts/iam-doctor.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';

export interface DoctorOptions {
  account?: string;
  readerRoleName?: string;
  hubPrincipal?: string;
  json: boolean;
}

const FLAGS: Record<string, string> = { account: '--account', readerRoleName: '--reader-role-name', hubPrincipal: '--hub-principal' };

/**
 * `rolegate doctor [--account A] [--reader-role-name R] [--hub-principal ARN] [--json]`
 * (administrators and auditors): each account's IAM compared with what the access model needs
 * (GET /api/v1/admin/doctor, docs/cli.md#rolegate-doctor). Prints a table of findings, each with
 * its fix; exits 0 when clean, 16 (findings) otherwise — fit for CI.
 */
export async function runDoctor(ctx: CliContext, options: DoctorOptions, out: Output): Promise<void> {
  const parsed = iamDoctorQuerySchema.safeParse({
    ...(options.account === undefined ? {} : { account: options.account }),
    ...(options.readerRoleName === undefined ? {} : { readerRoleName: options.readerRoleName }),
    ...(options.hubPrincipal === undefined ? {} : { hubPrincipal: options.hubPrincipal }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(ExitCode.usage, `${FLAGS[String(issue?.path[0])] ?? 'option'}: ${issue?.message ?? 'invalid'}`);
  }
  const query = new URLSearchParams(Object.entries(parsed.data));
  const answer = await callApi<IamDoctorResponse>(ctx, { method: 'GET', path: `/api/v1/admin/doctor?${query.toString()}` });
  const findings = answer.accounts.flatMap((a) => a.findings.map((f) => ({ ...f, alias: a.alias })));
  if (options.json) out.stdout(`${JSON.stringify(answer, null, 2)}\n`);
  else out.stdout(table(answer, findings));
  if (findings.length > 0)
    throw new CliError(
      ExitCode.findings,
      `${String(findings.length)} finding${findings.length === 1 ? '' : 's'} in ${String(answer.accounts.filter((a) => a.findings.length > 0).length)} of ${String(answer.accounts.length)} accounts`,
    );
}

function table(
  answer: IamDoctorResponse,
  findings: (IamDoctorResponse['accounts'][number]['findings'][number] & { alias: string })[],
): string {
  if (answer.accounts.length === 0) return 'no accounts in the access model\n';
  if (findings.length === 0)
    return `IAM of ${String(answer.accounts.length)} account${answer.accounts.length === 1 ? '' : 's'} matches the access model\n`;
  const rows = findings.map((f) => [`${f.alias} (${f.accountId})`, f.object, f.kind, f.detail]);
  const head = ['ACCOUNT', 'OBJECT', 'FINDING', 'DETAIL'];
  const widths = head.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c)).join('  ')}\n`;
  let text = line(head);
  findings.forEach((f, i) => {
    text += line(rows[i] ?? []);
    text += `${f.fix
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
  });
  return text;
}

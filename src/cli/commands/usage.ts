import type { UsageReport } from '../../contracts/access-reviews.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';

export interface UsageOptions {
  days?: string;
  account?: string;
  role?: string;
  fewUses?: string;
  json: boolean;
}

/**
 * `rolegate usage [--days 90] [--account prod] [--role Admin] [--few-uses 3] [--json]` (administrators
 * and auditors): who took which role, how often and through what, from the broker's audit trail
 * (GET /api/v1/admin/usage, docs/admin.md#access-reviews).
 */
export async function runUsage(ctx: CliContext, options: UsageOptions, out: Output): Promise<void> {
  for (const [flag, value] of [
    ['--days', options.days],
    ['--few-uses', options.fewUses],
  ] as const) {
    if (value !== undefined && !/^\d{1,6}$/.test(value))
      throw new CliError(ExitCode.usage, `${flag} takes a whole number of days or uses, not ${value}`);
  }
  const query = new URLSearchParams();
  if (options.days !== undefined) query.set('days', options.days);
  if (options.account !== undefined) query.set('account', options.account);
  if (options.role !== undefined) query.set('role', options.role);
  if (options.fewUses !== undefined) query.set('fewUses', options.fewUses);
  const report = await callApi<UsageReport>(ctx, { method: 'GET', path: `/api/v1/admin/usage?${query.toString()}` });
  if (options.json) {
    out.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  out.stdout(renderUsage(report));
}

const surfaces = (s: UsageReport['mappings'][number]['surfaces']) =>
  `cli ${String(s.cli)} · portal ${String(s.portal)} · api ${String(s.api)} · console ${String(s.console)}`;

/** The report as text: mappings, then the three lists a reviewer acts on. */
export function renderUsage(report: UsageReport): string {
  const lines = [`Use of roles since ${report.since} (${String(report.days)} days)`, '', 'Mappings:'];
  for (const m of report.mappings) {
    lines.push(
      `  ${m.key} [${m.access}]: ${String(m.uses)} uses, last ${m.lastUsedAt ?? 'never'} (${surfaces(m.surfaces)}); ` +
        `${String(m.usersWhoTookIt)} of ${String(m.holders)} holders took it`,
    );
  }
  lines.push('', `Mappings nobody used (${String(report.unusedMappings.length)}):`, ...report.unusedMappings.map((k) => `  ${k}`));
  lines.push(
    '',
    `People holding a role they never took (${String(report.neverTaken.length)}):`,
    ...report.neverTaken.map((n) => `  ${n.user} → ${n.roleArn} (via ${n.via.join(', ')})`),
  );
  lines.push(
    '',
    `Standing access used at most ${String(report.fewUses)} times: candidates to become eligible (${String(report.justInTimeCandidates.length)}):`,
    ...report.justInTimeCandidates.map((c) => `  ${c.key}: ${String(c.uses)} uses, last ${c.lastUsedAt ?? 'never'}`),
  );
  return `${lines.join('\n')}\n`;
}

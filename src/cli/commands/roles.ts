import type { RolesResponse } from '../../contracts/roles.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';
import { saveRoles } from '../roles/roles-cache.js';

/** `rolegate roles [--json]`: the roles the signed-in user may take, as the broker says now. */
export async function runRoles(ctx: CliContext, options: { json: boolean }, out: Output): Promise<void> {
  const answer = await callApi<RolesResponse>(ctx, { method: 'GET', path: '/api/v1/roles' });
  // Kept for the picker and shell completion, which work offline.
  saveRoles(ctx.paths.roles, ctx.broker().url, answer, ctx.now());
  if (options.json) {
    out.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  out.stdout(rolesTable(answer));
}

/** The human table: one row per entitled role, break-glass roles marked, refused ones listed after with why. */
export function rolesTable(answer: RolesResponse): string {
  const rows = answer.accounts.flatMap((account) =>
    account.roles.map((role) => [
      account.alias,
      account.id,
      role.breakGlass ? `${role.name} (break-glass)` : role.name,
      durationText(role.maxSessionSeconds),
      role.sessionPolicy === undefined ? role.description : `${role.description}${role.description ? ' ' : ''}[${role.sessionPolicy}]`,
    ]),
  );
  if (rows.length === 0) return 'You are not entitled to any role. Ask your administrator for access.\n';
  const header = ['ACCOUNT', 'ID', 'ROLE', 'MAX', 'DESCRIPTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  let text = `${[header, ...rows].map(line).join('\n')}\n`;
  if (rows.some((r) => (r[2] ?? '').endsWith('(break-glass)'))) {
    text += '\nBreak-glass roles are for emergencies: every use needs --justification and is audited.\n';
  }
  const denied = answer.accounts.flatMap((a) => a.denied.map((d) => `  ${a.alias}/${d.name}: ${d.reasons.join(' ')}`));
  if (denied.length > 0) text += `\nNot available now:\n${denied.join('\n')}\n`;
  return text;
}

function durationText(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${String(h)}h${m > 0 ? `${String(m)}m` : ''}` : `${String(m)}m`;
}

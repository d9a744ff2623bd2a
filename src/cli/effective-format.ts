import type { EffectiveChangeView, EffectiveGrantView } from '../contracts/admin.js';

/**
 * The effective-access diff as text (terminal), or Markdown (a pull request
 * comment): `+ group team-sre → prod/Admin (eligible, approval by sre-leads, ≤ 4h)`.
 * Pure, contracts only: `rolegate apply --dry-run` prints it from the broker's
 * plan and `rolegate diff` (cli/offline) from two files.
 */
export function formatEffective(changes: readonly EffectiveChangeView[], format: 'text' | 'markdown'): string {
  if (format === 'markdown') return markdown(changes);
  if (changes.length === 0) return 'Effective access: no change.\n';
  return `Effective access:\n${changes.map((c) => line(c, '  ')).join('')}`;
}

function line(change: EffectiveChangeView, indent: string): string {
  const users = change.users === undefined ? '' : usersText(change.users, indent);
  if (change.action === 'grant')
    return `${indent}+ ${who(change.grant)} → ${change.grant.target} (${conditionsOf(change.grant)})\n${users}`;
  if (change.action === 'revoke') return `${indent}− ${who(change.grant)} → ${change.grant.target}\n${users}`;
  const parts = change.conditions.map((c) => `${c.direction} ${c.condition}: ${value(c.before)} → ${value(c.after)}`);
  if (change.before.target !== change.after.target) parts.push(`renamed from ${change.before.target}`);
  return `${indent}~ ${who(change.after)} → ${change.after.target}: ${parts.join('; ')}\n${users}`;
}

function usersText(users: NonNullable<EffectiveChangeView['users']>, indent: string): string {
  if (users.length === 0) return `${indent}    (nobody seen signing in is in this group)\n`;
  return users.map((u) => `${indent}    ${u.username ?? u.user} (${u.user}, last sign-in ${u.lastSignIn.slice(0, 10)})\n`).join('');
}

function who(grant: EffectiveGrantView): string {
  return `group ${grant.group}${grant.match === 'glob' ? ' (glob)' : ''}${grant.idp === undefined ? '' : ` from ${grant.idp}`}`;
}

/** `eligible, approval by sre-leads, ≤ 4h` / `standing, MFA, from 10.0.0.0/8, ≤ 1h`. */
export function conditionsOf(grant: EffectiveGrantView): string {
  const parts: string[] = [grant.access];
  if (grant.approval) {
    parts.push(`approval by ${grant.approval.approverGroups.join(', ')}${grant.approval.approvals === 2 ? ' (two approvers)' : ''}`);
    parts.push(`≤ ${grant.approval.maxGrant}`);
  }
  if (grant.mfa) parts.push('MFA');
  if (grant.cidrs.length > 0) parts.push(`from ${grant.cidrs.join(', ')}`);
  parts.push(`sessions ≤ ${hours(grant.maxSessionSeconds)}`);
  return parts.join(', ');
}

function hours(seconds: number): string {
  return seconds % 3600 === 0 ? `${String(seconds / 3600)}h` : `${String(Math.round(seconds / 60))}m`;
}

function value(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'any' : v.join(', ');
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number') return v >= 900 ? hours(v) : String(v);
  return typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function markdown(changes: readonly EffectiveChangeView[]): string {
  if (changes.length === 0) return '### Effective access\n\nNo change in who may take which role.\n';
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rows = changes.map((c) => {
    const grant = c.action === 'change' ? c.after : c.grant;
    const sign = c.action === 'grant' ? '➕ gains' : c.action === 'revoke' ? '➖ loses' : '✏️ changes';
    const what =
      c.action === 'grant'
        ? conditionsOf(c.grant)
        : c.action === 'revoke'
          ? ''
          : c.conditions.map((x) => `**${x.direction}** ${x.condition}: ${value(x.before)} → ${value(x.after)}`).join('<br>');
    const users =
      c.users === undefined ? '' : c.users.map((u) => `${u.username ?? u.user} (${u.lastSignIn.slice(0, 10)})`).join(', ') || '—';
    return `| ${sign} | \`${cell(who(grant))}\` | \`${cell(grant.target)}\` | ${cell(what)} |${c.users === undefined ? '' : ` ${cell(users)} |`}`;
  });
  const withUsers = changes.some((c) => c.users !== undefined);
  const head = withUsers
    ? '| | Who | Role | Conditions | Users affected |\n|---|---|---|---|---|'
    : '| | Who | Role | Conditions |\n|---|---|---|---|';
  return `### Effective access\n\n${head}\n${rows.join('\n')}\n`;
}

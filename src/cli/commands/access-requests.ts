import type { AccessRequestListResponse, AccessRequestView } from '../../contracts/access-requests.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Output } from '../output.js';

/** Access request ids are UUIDs: anything else is a typo, said before a round trip. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RequestOptions {
  account: string;
  role: string;
  duration: string;
  reason?: string;
  ticket?: string;
  json: boolean;
}

/** `rolegate request --account A --role R --duration 1h --reason "…" [--ticket T]`: asks for an eligible role (docs/just-in-time.md). */
export async function runRequest(ctx: CliContext, options: RequestOptions, out: Output): Promise<void> {
  const account = /^\d{12}$/.test(options.account) ? { accountId: options.account } : { alias: options.account };
  const duration = /^\d+$/.test(options.duration) ? Number(options.duration) : options.duration;
  const answer = await callApi<AccessRequestView>(ctx, {
    method: 'POST',
    path: '/api/v1/access-requests',
    json: {
      ...account,
      role: options.role,
      duration,
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
    },
  });
  if (options.json) return printJson(out, answer);
  out.stdout(`${describe(answer)}\n`);
  out.stdout(
    answer.state === 'active'
      ? `Granted until ${answer.endsAt ?? '?'}: use the role as usual.\n`
      : `Waiting for ${String(answer.approvalsNeeded)} approval(s) from ${answer.approverGroups.join(', ')}. \`rolegate requests\` shows its state.\n`,
  );
}

/** `rolegate requests [--to-approve]`: your requests, or those waiting for your decision. */
export async function runRequests(ctx: CliContext, options: { toApprove: boolean; json: boolean }, out: Output): Promise<void> {
  const answer = await callApi<AccessRequestListResponse>(ctx, {
    method: 'GET',
    path: `/api/v1/access-requests?view=${options.toApprove ? 'to-approve' : 'mine'}`,
  });
  if (options.json) return printJson(out, answer);
  if (answer.requests.length === 0) {
    out.stdout(options.toApprove ? 'Nothing waits for your decision.\n' : 'You have made no access requests.\n');
    return;
  }
  out.stdout(`${answer.requests.map(describe).join('\n')}\n`);
}

/** `rolegate approve|deny|cancel ID [--comment …]`. */
export async function runDecision(
  ctx: CliContext,
  action: 'approve' | 'deny' | 'cancel',
  id: string,
  options: { comment?: string; json: boolean },
  out: Output,
): Promise<void> {
  if (!ID.test(id))
    throw new CliError(ExitCode.usage, `"${id.slice(0, 80)}" is not an access request id (a UUID)`, '`rolegate requests` lists them');
  const answer = await callApi<AccessRequestView>(ctx, {
    method: 'POST',
    path: `/api/v1/access-requests/${id}/${action}`,
    json: options.comment === undefined ? {} : { comment: options.comment },
  });
  if (options.json) return printJson(out, answer);
  out.stdout(`${describe(answer)}\n`);
}

function printJson(out: Output, value: unknown): void {
  out.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** One request in a few lines: what, whose, its state and times. */
function describe(r: AccessRequestView): string {
  const where = `${r.account.alias ?? r.account.id}/${r.role.name}`;
  const lines = [`${r.id}  ${r.state.padEnd(18)} ${where} for ${String(Math.round(r.durationSeconds / 60))} min, by ${r.requester.id}`];
  if (r.reason !== undefined) lines.push(`  reason: ${r.reason}${r.ticket === undefined ? '' : ` (ticket ${r.ticket})`}`);
  if (r.approvals.length > 0)
    lines.push(
      `  approved by: ${r.approvals.map((a) => a.approverId).join(', ')} (${String(r.approvals.length)}/${String(r.approvalsNeeded)})`,
    );
  if (r.state === 'active' && r.endsAt !== undefined) lines.push(`  ends: ${r.endsAt}`);
  if (r.state === 'pending') lines.push(`  expires unanswered: ${r.expiresAt}`);
  if (r.endReason !== undefined)
    lines.push(`  ended: ${r.endedAt ?? ''} (${r.endReason}${r.endedBy === undefined ? '' : `, by ${r.endedBy}`})`);
  if (r.decisionComment !== undefined) lines.push(`  comment: ${r.decisionComment}`);
  return lines.join('\n');
}

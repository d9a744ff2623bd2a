import type { AccessRequestBatchResponse, AccessRequestListResponse, AccessRequestView } from '../../contracts/access-requests.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { parseRoleName, type RoleName } from '../fast-path.js';
import type { Output } from '../output.js';

/** Access request ids are UUIDs: anything else is a typo, said before a round trip. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RequestOptions {
  /** For the roles given by name alone. */
  account?: string;
  /** Each `account/role`, or a role name in `account`. */
  roles: string[];
  duration: string;
  reason?: string;
  ticket?: string;
  json: boolean;
  /** Wait for the decisions; with one role, then print its credentials (`wait` prints them as `rolegate env` does). */
  wait?: { print(role: RoleName): Promise<void>; timeoutMs?: number };
}

/** Back-off while waiting: 1 s, doubling to at most 10 s between looks. */
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;

/**
 * `rolegate request --role prod/Admin [--role prod/DBA …] --duration 1h --reason "…" [--ticket T] [--wait]`
 * (or `--account prod --role Admin --role DBA`): asks for eligible roles (docs/just-in-time.md), all or none.
 */
export async function runRequest(ctx: CliContext, options: RequestOptions, out: Output): Promise<void> {
  const pairs = rolePairs(options);
  const duration = /^\d+$/.test(options.duration) ? Number(options.duration) : options.duration;
  const shared = {
    duration,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.ticket === undefined ? {} : { ticket: options.ticket }),
  };
  const accountOf = (account: string) => (/^\d{12}$/.test(account) ? { accountId: account } : { alias: account });
  const [only] = pairs;
  const requests =
    pairs.length === 1 && only !== undefined
      ? [
          await callApi<AccessRequestView>(ctx, {
            method: 'POST',
            path: '/api/v1/access-requests',
            json: { ...accountOf(only.account), role: only.role, ...shared },
          }),
        ]
      : (
          await callApi<AccessRequestBatchResponse>(ctx, {
            method: 'POST',
            path: '/api/v1/access-requests',
            json: { roles: pairs.map((p) => ({ ...accountOf(p.account), role: p.role })), ...shared },
          })
        ).requests;
  if (options.wait !== undefined) return waitForDecisions(ctx, requests, pairs, options.wait, out);
  if (options.json) return printJson(out, requests.length === 1 ? requests[0] : { requests });
  for (const answer of requests) {
    out.stdout(`${describe(answer)}\n`);
    out.stdout(
      answer.state === 'active'
        ? `Granted until ${answer.endsAt ?? '?'}: use the role as usual.\n`
        : `Waiting for ${String(answer.approvalsNeeded)} approval(s) from ${answer.approverGroups.join(', ')}. \`rolegate requests\` shows its state.\n`,
    );
  }
}

/** The (account, role) pairs the options name, each once. */
function rolePairs(options: RequestOptions): RoleName[] {
  if (options.roles.length === 0) throw new CliError(ExitCode.usage, 'request needs --role (account/role, or a name with --account)');
  const pairs = options.roles.map((text) => {
    const named = text.includes('/')
      ? parseRoleName(text)
      : options.account === undefined
        ? undefined
        : { account: options.account, role: text };
    if (named === undefined)
      throw new CliError(
        ExitCode.usage,
        text.includes('/')
          ? `--role ${text.slice(0, 100)}: expected account/role`
          : `--role ${text.slice(0, 100)}: give account/role, or --account`,
      );
    return named;
  });
  return pairs;
}

/**
 * Looks at the requests, with back-off, until each is decided; bounded by
 * their expiry (or `timeoutMs`). Ctrl-C stops waiting and changes nothing.
 * All granted: one role's credentials are printed; several are listed.
 */
async function waitForDecisions(
  ctx: CliContext,
  first: AccessRequestView[],
  pairs: RoleName[],
  wait: NonNullable<RequestOptions['wait']>,
  out: Output,
): Promise<void> {
  const ids = first.map((r) => r.id);
  const interrupted = () => {
    out.stderr(
      `\nrolegate: stopped waiting; ${ids.join(', ')} ${ids.length === 1 ? 'is' : 'are'} unchanged\nhint: \`rolegate requests\` shows the state\n`,
    );
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', interrupted);
  try {
    const latest = Math.max(...first.map((r) => Date.parse(r.expiresAt)));
    const deadline = wait.timeoutMs === undefined ? latest : Math.min(latest, ctx.now() + wait.timeoutMs);
    let current = first;
    let pause = FIRST_POLL_MS;
    for (;;) {
      const refused = current.find(
        (r) => r.state === 'denied' || r.state === 'cancelled' || r.state === 'revoked' || r.state === 'expired',
      );
      if (refused !== undefined)
        throw new CliError(
          ExitCode.requestDenied,
          `request ${refused.id} for ${where(refused)} was ${refused.state}${refused.decidedBy === undefined ? '' : ` by ${refused.decidedBy}`}${refused.decisionComment === undefined ? '' : `: ${refused.decisionComment}`}`,
        );
      const unanswered = current.find((r) => r.state === 'expired_unanswered');
      if (unanswered !== undefined)
        throw new CliError(
          ExitCode.requestExpired,
          `request ${unanswered.id} for ${where(unanswered)} expired unanswered at ${unanswered.expiresAt}`,
        );
      if (current.every((r) => r.state === 'active')) break;
      if (ctx.now() >= deadline)
        throw new CliError(
          ExitCode.requestExpired,
          `stopped waiting at ${new Date(deadline).toISOString()}: ${current
            .filter((r) => r.state !== 'active')
            .map((r) => `${r.id} is ${r.state}`)
            .join(', ')}`,
        );
      out.stderr(
        `rolegate: waiting for approval of ${
          current
            .filter((r) => r.state === 'pending')
            .map(where)
            .join(', ') || 'the start of the grant'
        }…\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - ctx.now()))));
      pause = Math.min(pause * 2, MAX_POLL_MS);
      current = await Promise.all(
        ids.map((id) => callApi<AccessRequestView>(ctx, { method: 'GET', path: `/api/v1/access-requests/${id}` })),
      );
    }
    for (const r of current) out.stderr(`rolegate: ${where(r)} granted until ${r.endsAt ?? '?'} (request ${r.id})\n`);
    const [only] = pairs;
    if (pairs.length === 1 && only !== undefined) await wait.print(only);
    else out.stderr('rolegate: `rolegate env account/role` prints each role’s credentials\n');
  } finally {
    process.removeListener('SIGINT', interrupted);
  }
}

function where(r: AccessRequestView): string {
  return `${r.account.alias ?? r.account.id}/${r.role.name}`;
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

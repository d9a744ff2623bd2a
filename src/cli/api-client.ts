import { getAccessToken } from './access-token.js';
import type { CliContext } from './cli-context.js';
import { CliError, ExitCode, loginRequired, type ExitCodeValue } from './errors.js';
import { API_TIMEOUT_MS, jsonOf, send, unexpectedAnswer, type HttpAnswer } from './http-client.js';

export interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under the broker, e.g. `/api/v1/me`. */
  path: string;
  json?: unknown;
  timeoutMs?: number;
  maxAnswerBytes?: number;
}

/**
 * Calls the broker's API as the signed-in user (Authorization: Bearer) and
 * returns the parsed JSON of a 2xx answer. On 401 it refreshes once (the
 * token may have been revoked server-side or Redis lost it) and retries;
 * a second 401 means the CLI session is gone: loginRequired (3). Other
 * errors keep the broker's problem+json `detail`: 403 → denied (5),
 * other 4xx and 5xx → brokerError (6).
 */
export async function callApi<T>(ctx: CliContext, call: ApiCall): Promise<T> {
  const url = `${ctx.broker().url}${call.path}`;
  const attempt = async (token: string) =>
    send({
      method: call.method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(call.json !== undefined ? { json: call.json } : {}),
      timeoutMs: call.timeoutMs ?? API_TIMEOUT_MS,
      ...(call.maxAnswerBytes === undefined ? {} : { maxAnswerBytes: call.maxAnswerBytes }),
      debug: ctx.debug,
    });
  const token = await getAccessToken(ctx);
  let answer = await attempt(token);
  if (answer.status === 401) {
    ctx.debug('the broker refused the access token; refreshing once');
    answer = await attempt(await getAccessToken(ctx, { rejected: token }));
    if (answer.status === 401) throw loginRequired(`the broker refused the CLI session: ${detailOf(answer) ?? 'invalid token'}`);
  }
  if (answer.status >= 200 && answer.status < 300) return (answer.status === 204 ? undefined : jsonOf(answer)) as T;
  const problem = problemOf(answer);
  if (problem === undefined) throw unexpectedAnswer(url, answer);
  throw apiError(answer.status, problem);
}

/** A problem+json error answer of the API: the CliError, plus the HTTP status for callers that treat one apart. */
export class ApiError extends CliError {
  constructor(
    exitCode: ExitCodeValue,
    message: string,
    readonly status: number,
    hint?: string,
  ) {
    super(exitCode, message, hint);
  }
}

/** The fields of a problem+json answer (docs/api.md) the CLI reads. */
export interface Problem {
  detail: string;
  code?: string;
  reason?: string;
  requestId?: string;
  issues?: { path: string; message: string }[];
  /** For 429 rate_limited: when to try again. */
  retryAfterSeconds?: number;
  /** For grant_required: the exact `rolegate request …` command that asks for the role. */
  requestCommand?: string;
}

/** Which CLI option sets each field of a role request, for usage errors that name the flag to fix. */
const FLAG_OF_FIELD: Record<string, string> = {
  justification: '--justification',
  durationSeconds: '--duration',
  role: '--role',
  alias: '--account',
  accountId: '--account',
  destination: '--destination',
};

/**
 * The CliError for a problem answer. What the user typed wrong is a usage
 * error naming the flag (a break-glass role without `--justification`, a
 * field the broker refused); a refusal is `denied`; the rest is a broker
 * error that quotes the request id for its operators.
 */
export function apiError(status: number, problem: Problem): ApiError {
  const detail = problem.detail;
  if (problem.reason === 'justification_required') {
    return new ApiError(
      ExitCode.usage,
      `${detail}: pass --justification "<why you need it>" (it is audited)`,
      status,
      'break-glass roles are for emergencies; `rolegate roles` marks them',
    );
  }
  const fields = (problem.issues ?? []).filter((i) => Object.hasOwn(FLAG_OF_FIELD, i.path));
  if (status === 400 && fields.length > 0) {
    const named = fields.map((i) => `${FLAG_OF_FIELD[i.path] ?? i.path}: ${i.message}`).join('; ');
    return new ApiError(ExitCode.usage, `the broker refused ${named}`, status, 'fix the option named and retry');
  }
  if (problem.reason === 'grant_required' || problem.reason === 'grant_ending') {
    // The broker's detail names the account and role; the hint the command to run.
    return new ApiError(ExitCode.grantRequired, detail, status, grantHint(problem.reason, problem.requestCommand));
  }
  if (problem.reason === 'unknown_account' || problem.reason === 'unknown_role') {
    return new ApiError(ExitCode.usage, detail, status, '`rolegate roles` lists the accounts and roles you may take');
  }
  if (status === 403) return new ApiError(ExitCode.denied, detail, status);
  const quoted = problem.requestId !== undefined ? ` (request id ${problem.requestId})` : '';
  const hint =
    status === 429
      ? `wait ${problem.retryAfterSeconds !== undefined ? `${String(problem.retryAfterSeconds)} s` : 'a moment'} and retry`
      : status >= 500
        ? `the broker has a problem; try again shortly or tell its operators${quoted}`
        : undefined;
  return new ApiError(ExitCode.brokerError, `the broker answered ${String(status)}: ${detail}`, status, hint);
}

function grantHint(reason: string, command: string | undefined): string {
  const run = command ?? 'rolegate request --account <account> --role <role> --duration 1h --reason "…"';
  return reason === 'grant_ending'
    ? `your access grant ends too soon for a new AWS session: run \`${run}\` for a new one`
    : `run \`${run}\` and wait for approval (\`rolegate requests\` shows its state)`;
}

/** The problem+json body of an answer, or undefined when it is not one. */
export function problemOf(answer: HttpAnswer): Problem | undefined {
  const body = jsonOf(answer) as Record<string, unknown> | undefined;
  if (typeof body?.detail !== 'string') return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const issues = Array.isArray(body.issues)
    ? (body.issues as unknown[]).flatMap((i) => {
        const issue = i as { path?: unknown; message?: unknown } | null;
        return typeof issue?.path === 'string' && typeof issue.message === 'string' ? [{ path: issue.path, message: issue.message }] : [];
      })
    : undefined;
  const code = text(body.code);
  const reason = text(body.reason);
  const requestId = text(body.requestId);
  const retryAfterSeconds = typeof body.retryAfterSeconds === 'number' ? body.retryAfterSeconds : undefined;
  // One line of the broker's own making, quoted in a hint: nothing multi-line or overlong gets through.
  const requestCommand = text(body.requestCommand);
  return {
    ...(requestCommand !== undefined && /^rolegate request [^\n\r]{1,300}$/.test(requestCommand) ? { requestCommand } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    detail: body.detail,
    ...(code !== undefined ? { code } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(issues !== undefined ? { issues } : {}),
  };
}

/** The `detail` of a problem+json answer. */
export function detailOf(answer: HttpAnswer): string | undefined {
  return problemOf(answer)?.detail;
}

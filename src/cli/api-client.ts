import { getAccessToken } from './access-token.js';
import type { CliContext } from './cli-context.js';
import { CliError, ExitCode, loginRequired, type ExitCodeValue } from './errors.js';
import { jsonOf, send, type HttpAnswer } from './http-client.js';
import { API_TIMEOUT_MS, unexpectedAnswer } from './oauth-client.js';

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
  const detail = detailOf(answer);
  if (answer.status === 403) throw new ApiError(ExitCode.denied, detail ?? 'the broker refused the request (403)', answer.status);
  if (detail !== undefined)
    throw new ApiError(ExitCode.brokerError, `the broker answered ${String(answer.status)}: ${detail}`, answer.status);
  throw unexpectedAnswer(url, answer);
}

/** A problem+json error answer of the API: the CliError, plus the HTTP status for callers that treat one apart. */
export class ApiError extends CliError {
  constructor(
    exitCode: ExitCodeValue,
    message: string,
    readonly status: number,
  ) {
    super(exitCode, message);
  }
}

/** The `detail` of a problem+json answer. */
export function detailOf(answer: HttpAnswer): string | undefined {
  const body = jsonOf(answer) as { detail?: unknown } | undefined;
  return typeof body?.detail === 'string' ? body.detail : undefined;
}

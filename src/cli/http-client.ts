import type { IncomingHttpHeaders } from 'node:http';
import { CliError, ExitCode } from './errors.js';
import type { DebugLog } from './debug-log.js';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>;
  /** Sent as application/json. */
  json?: unknown;
  timeoutMs: number;
  /** The largest answer read (default 1 MiB): `rolegate apply` of a large file gets a long list of changes back. */
  maxAnswerBytes?: number;
  debug?: DebugLog;
}

const MAX_ANSWER_BYTES = 1024 * 1024;

/** How long the CLI waits for the broker's token endpoint (generous: a lost refresh answer costs a new login). */
export const TOKEN_TIMEOUT_MS = 15_000;
/** How long it waits for anything else. */
export const API_TIMEOUT_MS = 10_000;

/**
 * One HTTP request with a hard timeout, on node:http/https (lighter to load
 * than fetch: the CLI starts on every AWS call). No keep-alive, so the
 * process exits as soon as it is done. Network failures become CliErrors
 * that name the broker and say what happened.
 */
export async function send(request: HttpRequest): Promise<HttpAnswer> {
  const url = new URL(request.url);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'rolegate-cli', ...request.headers };
  let body: string | undefined;
  if (request.form) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(request.form)) if (value !== undefined) params.set(name, value);
    body = params.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers['content-type'] = 'application/json';
  }
  // Not `import('node:http')`: the ESM facade of a built-in reads every export, and node:http's lazy
  // WebSocket, CloseEvent and MessageEvent getters then load undici (fetch, http2, zlib, worker_threads…),
  // about 20 ms of the cold credential-process start for nothing used here.
  const transport = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http');
  const started = Date.now();
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = transport.request(url, { method: request.method, headers, agent: false, timeout: request.timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > (request.maxAnswerBytes ?? MAX_ANSWER_BYTES)) {
          req.destroy(
            new Error(`the answer is larger than ${String(Math.round((request.maxAnswerBytes ?? MAX_ANSWER_BYTES) / 1048576))} MiB`),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        request.debug?.(`${request.method} ${url.origin}${url.pathname} → ${String(res.statusCode)} in ${String(Date.now() - started)} ms`);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => reject(networkError(url, error, request.timeoutMs)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => reject(networkError(url, error, request.timeoutMs)));
    req.end(body);
  });
}

function networkError(url: URL, error: NodeJS.ErrnoException, timeoutMs: number): CliError {
  const where = url.origin;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the URL right, and is rolegate running?)',
    ENOTFOUND: `cannot resolve ${url.hostname}`,
    EAI_AGAIN: `cannot resolve ${url.hostname} (DNS is not answering)`,
    ETIMEDOUT: `no answer within ${String(timeoutMs / 1000)} s`,
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
  };
  const reason = (error.code && reasons[error.code]) ?? error.message;
  const tls = /certificate|SSL|TLS/i.test(error.message) || error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT');
  return new CliError(
    ExitCode.unreachable,
    `cannot reach the rolegate broker at ${where}: ${reason}`,
    tls
      ? 'the broker’s TLS certificate is not trusted here (NODE_EXTRA_CA_CERTS can add a corporate CA)'
      : 'check --broker / ROLEGATE_URL and your network',
  );
}

/** The JSON body of an answer, or undefined when it is not JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
}

/** An answer that is neither what we asked for nor a rolegate error: name the status, never dump the body. */
export function unexpectedAnswer(url: string, answer: HttpAnswer): CliError {
  const { origin, pathname } = new URL(url);
  const hint = answer.status >= 500 ? 'the broker has a problem; try again shortly or ask its operators' : 'check --broker / ROLEGATE_URL';
  return new CliError(ExitCode.brokerError, `unexpected answer from ${origin}${pathname}: HTTP ${String(answer.status)}`, hint);
}

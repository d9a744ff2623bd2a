import type { ServerResponse } from 'node:http';
import { CliError, ExitCode } from '../errors.js';

/** Writes a small answer; never cached (these are credentials). */
export function answer(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The status and message for a failure to get a role's credentials (never a stack, never a secret). */
export function failureOf(error: unknown): { status: number; message: string } {
  const known = error instanceof CliError ? error : undefined;
  const status = known?.exitCode === ExitCode.denied ? 403 : known?.exitCode === ExitCode.loginRequired ? 401 : 502;
  return { status, message: known ? `${known.message}${known.hint ? ` (${known.hint})` : ''}` : 'internal error' };
}

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError, ExitCode } from './errors.js';

export interface LoopbackListener {
  /** `http://127.0.0.1:<port>/callback` */
  redirectUri: string;
  /** Resolves with the authorization code of the answer that carries our state. */
  code(timeoutMs: number): Promise<string>;
  close(): void;
}

/**
 * The CLI's end of the loopback redirect (RFC 8252 §7.3): an HTTP server on
 * 127.0.0.1 and a random port for exactly one answer. Answers with another
 * state are ignored (told off, not fatal: any local page can send them);
 * an `iss` other than our broker's aborts (mix-up, RFC 9207).
 */
export async function startLoopbackListener(expected: { state: string; issuer: string }): Promise<LoopbackListener> {
  type Result = { code: string } | { error: Error };
  let outcome: Result | undefined;
  let waiter: ((result: Result) => void) | undefined;
  const finish = (result: Result) => {
    if (outcome) return; // the first answer decides
    outcome = result;
    waiter?.(result);
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') return page(res, 404, 'Not found', 'Nothing here.');
    const q = url.searchParams;
    if (q.get('state') !== expected.state) {
      return page(res, 400, 'Not for this sign-in', 'This answer does not belong to the rolegate login running in your terminal.');
    }
    const iss = q.get('iss');
    if (iss !== null && iss !== expected.issuer) {
      page(res, 400, 'Sign-in refused', 'The answer came from another server than the rolegate broker you asked.');
      finish({
        error: new CliError(ExitCode.loginFailed, `the sign-in answer came from ${iss.slice(0, 200)}, not from ${expected.issuer}`),
      });
      return;
    }
    const error = q.get('error');
    if (error !== null) {
      const description = q.get('error_description') ?? error;
      page(res, 200, 'Sign-in not completed', `${description}. You can close this tab.`);
      const message =
        error === 'access_denied' ? 'the sign-in was denied in the browser' : `the broker refused the sign-in: ${error}: ${description}`;
      finish({ error: new CliError(ExitCode.loginFailed, message, 'run `rolegate login` again') });
      return;
    }
    const code = q.get('code');
    if (code === null) return page(res, 400, 'Sign-in refused', 'The answer carries no code.');
    page(res, 200, 'Signed in', 'The rolegate CLI is signed in. You can close this tab and return to your terminal.');
    finish({ code });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return {
    redirectUri: `http://127.0.0.1:${String(port)}/callback`,
    close,
    code: (timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const deliver = (result: Result) => {
          clearTimeout(timer);
          if ('code' in result) resolve(result.code);
          else reject(result.error);
        };
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(
            new CliError(
              ExitCode.loginFailed,
              `no answer from the browser within ${String(Math.round(timeoutMs / 1000))} s`,
              'run `rolegate login` again, or `rolegate login --no-browser` to use a code',
            ),
          );
        }, timeoutMs);
        if (outcome) deliver(outcome);
        else waiter = deliver;
      }),
  };
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'",
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · rolegate</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>\n`,
  );
}

import type { ConsoleUrlRequest, ConsoleUrlResponse } from '../../contracts/console-url.js';
import { ApiError, callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { openBrowser } from '../open-browser.js';
import type { Output } from '../output.js';

export interface ConsoleOptions {
  account: string;
  role: string;
  destination?: string;
  durationSeconds?: number;
  justification?: string;
  print: boolean;
}

/**
 * `rolegate console`: asks the broker for a one-time AWS console sign-in URL
 * and opens it in the browser, or prints it with --print (or when no
 * browser can be opened). The URL is a bearer secret: it goes to stdout or
 * the browser only, never to debug output.
 */
export async function runConsole(ctx: CliContext, options: ConsoleOptions, out: Output): Promise<void> {
  const body: ConsoleUrlRequest = {
    ...(/^\d{12}$/.test(options.account) ? { accountId: options.account } : { alias: options.account }),
    role: options.role,
    ...(options.destination !== undefined ? { destination: options.destination } : {}),
    ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
    ...(options.justification !== undefined ? { justification: options.justification } : {}),
  };
  let answer: ConsoleUrlResponse;
  try {
    answer = await callApi<ConsoleUrlResponse>(ctx, { method: 'POST', path: '/api/v1/console-url', json: body });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.message.includes('No route')) {
      throw new CliError(
        ExitCode.brokerError,
        `the broker at ${ctx.broker().url} does not offer console sign-in URLs (POST /api/v1/console-url answered 404)`,
        'upgrade the broker, or use the Console button on the rolegate portal',
      );
    }
    throw error;
  }
  for (const note of answer.notes) out.stderr(`note: ${note}\n`);
  const what = `${answer.role.name} in ${answer.account.alias} (${answer.account.id})`;
  const until = new Date(answer.expiresAt).toLocaleTimeString();
  if (!options.print) {
    // openBrowser's debug lines name the opener, never the URL.
    if (await openBrowser(answer.url, ctx.env, ctx.debug)) {
      out.stderr(`Opened the AWS console as ${what} in your browser.\n`);
      return;
    }
    out.stderr('Could not open a browser here; open this URL yourself:\n');
  }
  out.stdout(`${answer.url}\n`);
  out.stderr(`Console sign-in URL for ${what}: use it once, before ${until}. Anyone with it can sign in as you.\n`);
}

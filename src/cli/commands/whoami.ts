import type { MeResponse } from '../../contracts/cli-auth.js';
import { callApi } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';

/** `rolegate whoami` (alias `status`): who the CLI is signed in as, asked of the broker (refreshing the token if needed). */
export async function runWhoami(ctx: CliContext, options: { json: boolean }, out: Output): Promise<void> {
  const me = await callApi<MeResponse>(ctx, { method: 'GET', path: '/api/v1/me' });
  const broker = ctx.broker().url;
  if (options.json) {
    out.stdout(`${JSON.stringify({ broker, ...me }, null, 2)}\n`);
    return;
  }
  const cli = me.cliSession;
  out.stdout(
    `Signed in to ${broker} as ${me.username}${me.email ? ` (${me.email})` : ''} via ${me.idp}.\n` +
      `Groups: ${me.groups.length > 0 ? me.groups.join(', ') : '(none)'}\n` +
      (cli ? `CLI session: ${cli.deviceName}, until ${new Date(cli.expiresAt).toLocaleString()}.\n` : ''),
  );
}

import type { AuthorizationServerMetadata, DeviceAuthorizationResponse, TokenResponse } from '../../contracts/cli-auth.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../contracts/cli-auth.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { OAuthAnswerError, postOAuthForm } from '../oauth-client.js';
import type { Output } from '../output.js';
import { tokenAnswer } from './login-shared.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The device authorization grant (RFC 8628): show a code, poll until the
 * user confirms it on the portal (signed in there with the IdP), honouring
 * the interval and slow_down; stop at the code's expiry or our timeout.
 */
export async function deviceLogin(
  ctx: CliContext,
  metadata: AuthorizationServerMetadata,
  options: { deviceName: string; timeoutMs: number },
  out: Output,
): Promise<TokenResponse> {
  const started = (await postOAuthForm(
    metadata.device_authorization_endpoint,
    { device_name: options.deviceName },
    ctx.debug,
  )) as Partial<DeviceAuthorizationResponse>;
  if (typeof started.device_code !== 'string' || typeof started.user_code !== 'string' || typeof started.verification_uri !== 'string') {
    throw new CliError(ExitCode.brokerError, `the broker's device authorization answer is not what rolegate sends`);
  }
  const expiresInS = started.expires_in ?? 600;
  out.stderr(
    `To sign in, open this page in a browser on any device:\n\n    ${started.verification_uri}\n\n` +
      `and enter the code:\n\n    ${started.user_code}\n\n` +
      (started.verification_uri_complete ? `(or open ${started.verification_uri_complete})\n` : '') +
      `The code expires in ${String(Math.round(expiresInS / 60))} minutes. Waiting for you to confirm it…\n`,
  );
  let intervalS = Math.max(1, started.interval ?? 5);
  const deadline = ctx.now() + Math.min(expiresInS * 1000, options.timeoutMs);
  // Bounded: at most one poll per second until the deadline.
  for (let polls = 0; polls < expiresInS + 60; polls++) {
    await sleep(intervalS * 1000);
    if (ctx.now() > deadline) break;
    try {
      return tokenAnswer(
        await postOAuthForm(metadata.token_endpoint, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: started.device_code }, ctx.debug),
      );
    } catch (error) {
      if (!(error instanceof OAuthAnswerError)) throw error;
      switch (error.error) {
        case 'authorization_pending':
          continue;
        case 'slow_down':
          intervalS += 5;
          continue;
        case 'access_denied':
          throw new CliError(ExitCode.loginFailed, 'the sign-in was denied on the rolegate portal', 'run `rolegate login` again');
        case 'expired_token':
          throw new CliError(ExitCode.loginFailed, 'the code expired before it was confirmed', 'run `rolegate login` again');
        default:
          throw new CliError(ExitCode.loginFailed, `the broker refused the sign-in: ${error.description}`, 'run `rolegate login` again');
      }
    }
  }
  throw new CliError(ExitCode.loginFailed, 'the code was not confirmed in time', 'run `rolegate login` again');
}

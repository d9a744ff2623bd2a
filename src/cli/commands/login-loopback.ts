import { randomBytes } from 'node:crypto';
import type { AuthorizationServerMetadata, TokenResponse } from '../../contracts/cli-auth.js';
import { CLI_CLIENT_ID } from '../../contracts/cli-auth.js';
import type { CliContext } from '../cli-context.js';
import { CliError, ExitCode } from '../errors.js';
import { startLoopbackListener } from '../loopback-listener.js';
import { OAuthAnswerError, postOAuthForm } from '../oauth-client.js';
import { openBrowser } from '../open-browser.js';
import type { Output } from '../output.js';
import { pkce, tokenAnswer } from './login-shared.js';

/**
 * Authorization code + PKCE over a loopback redirect (RFC 8252): listen on
 * 127.0.0.1 and a random port, open the browser at the broker's consent
 * page, wait for the redirect, exchange the code. Undefined when no browser
 * could be opened (the caller falls back to the device flow).
 */
export async function loopbackLogin(
  ctx: CliContext,
  metadata: AuthorizationServerMetadata,
  options: { deviceName: string; timeoutMs: number },
  out: Output,
): Promise<TokenResponse | undefined> {
  const { verifier, challenge } = pkce();
  const state = randomBytes(16).toString('base64url');
  const listener = await startLoopbackListener({ state, issuer: metadata.issuer });
  try {
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLI_CLIENT_ID,
      redirect_uri: listener.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    }).toString();
    out.stderr(`Opening your browser to sign in to ${metadata.issuer}…\nIf it does not open, visit:\n\n    ${url.href}\n\n`);
    if (!(await openBrowser(url.href, ctx.env, ctx.debug))) {
      out.stderr('Could not open a browser here; signing in with a code instead.\n\n');
      return undefined;
    }
    const code = await listener.code(options.timeoutMs);
    try {
      return tokenAnswer(
        await postOAuthForm(
          metadata.token_endpoint,
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: listener.redirectUri,
            code_verifier: verifier,
            device_name: options.deviceName,
          },
          ctx.debug,
        ),
      );
    } catch (error) {
      if (error instanceof OAuthAnswerError) {
        throw new CliError(ExitCode.loginFailed, `the broker refused the sign-in: ${error.description}`, 'run `rolegate login` again');
      }
      throw error;
    }
  } finally {
    listener.close();
  }
}

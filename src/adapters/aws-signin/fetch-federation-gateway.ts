import { RolegateError } from '../../domain/errors.js';
import { Secret } from '../../domain/secret.js';
import type { FederationGateway } from '../../ports/federation-gateway.js';

/**
 * `getSigninToken` over fetch: a form POST, so the credentials travel in the
 * body and never in a URL (AWS also accepts GET; access logs would then hold
 * them). Errors name the endpoint's host and what it said, never the body.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_enable-console-custom-url.html
 */
export class FetchFederationGateway implements FederationGateway {
  constructor(private readonly options: { timeoutMs: number }) {}

  async getSigninToken(request: { url: string; body: Secret }): Promise<Secret> {
    const host = hostOf(request.url);
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: request.body.reveal(),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new RolegateError('dependency_unavailable', {
        detail: timedOut
          ? `The console sign-in endpoint (${host}) did not answer within ${String(this.options.timeoutMs)} ms; try again shortly`
          : `The console sign-in endpoint (${host}) is unreachable; try again shortly`,
        headers: { 'Retry-After': '5' },
        cause: error,
      });
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500) {
      throw new RolegateError('dependency_unavailable', {
        detail: `The console sign-in endpoint (${host}) failed with HTTP ${String(response.status)}; try again shortly`,
        headers: { 'Retry-After': '5' },
      });
    }
    if (response.status !== 200) {
      throw new RolegateError('federation_failed', {
        detail: `The console sign-in endpoint (${host}) refused getSigninToken with HTTP ${String(response.status)}: ${summary(text)}`,
      });
    }
    let token: unknown;
    try {
      token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') {
      throw new RolegateError('federation_failed', {
        detail: `The console sign-in endpoint (${host}) answered getSigninToken without a SigninToken`,
      });
    }
    return new Secret(token);
  }
}

/** The first line of an error body, printable and short: what the endpoint said, for the user. */
function summary(text: string): string {
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? '').replace(/[^\x20-\x7e]/g, '').trim();
  return line === '' ? '(no message)' : line.slice(0, 200);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown host';
  }
}

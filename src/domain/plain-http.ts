import { isLoopbackUrl } from './identity-provider.js';

/** What production mode allows over plain http: nothing, or (opted in with allowInsecureLoopback) loopback hosts only. */
export interface PlainHttpPolicy {
  production: boolean;
  allowInsecureLoopback: boolean;
}

/**
 * Why `url` may not be used under `policy`, or undefined when it may. In demo mode everything is
 * allowed; in production a plain-http URL only when the operator opted in and its host is loopback
 * (localhost, 127.0.0.0/8, [::1]): a sidecar on the same host. `carries` says what would travel
 * in clear text.
 */
export function plainHttpRefusal(url: string, carries: string, policy: PlainHttpPolicy): string | undefined {
  if (!policy.production || !isPlainHttp(url)) return undefined;
  const expected = `expected an https:// URL in production mode (${carries})`;
  if (!policy.allowInsecureLoopback) {
    return `${expected}; only a sidecar on loopback may use http, with allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK)`;
  }
  if (!isLoopbackUrl(url)) return `${expected}; allowInsecureLoopback covers loopback hosts only, not ${hostOf(url)}`;
  return undefined;
}

export function isPlainHttp(url: string): boolean {
  try {
    return new URL(url).protocol === 'http:';
  } catch {
    return false;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

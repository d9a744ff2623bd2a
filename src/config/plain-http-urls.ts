import type { IdentityProviderSeed } from '../domain/identity-provider.js';
import { isPlainHttp } from '../domain/plain-http.js';

/** The parts of the configuration (parsed or resolved) that name such URLs. */
interface UrlSource {
  sts: { endpoint?: string | undefined; iamEndpoint?: string | undefined };
  console: { federationEndpoint?: string | undefined };
  identityProviders: readonly IdentityProviderSeed[];
  /** Parsed (a string) or resolved (wrapped: a Slack webhook URL is a secret). */
  notifications: { webhooks: readonly { url: string | { reveal(): string } }[] };
}

/** A configured URL that production mode wants over https, and what travels over it. */
export interface GuardedUrl {
  key: string;
  url: string;
  carries: string;
}

/**
 * Every configured URL over which rolegate sends secrets or receives what it trusts, other than
 * the ones that must be https with no exception (server.publicUrl, issuer.webIdentityIssuer).
 */
export function guardedUrls(config: UrlSource): GuardedUrl[] {
  const urls: GuardedUrl[] = [];
  if (config.sts.iamEndpoint !== undefined) {
    urls.push({ key: 'sts.iamEndpoint', url: config.sts.iamEndpoint, carries: 'the revoker role’s credentials and IAM policy writes' });
  }
  if (config.sts.endpoint !== undefined) {
    urls.push({ key: 'sts.endpoint', url: config.sts.endpoint, carries: 'signed assertions and the credentials STS returns' });
  }
  if (config.console.federationEndpoint !== undefined) {
    urls.push({ key: 'console.federationEndpoint', url: config.console.federationEndpoint, carries: 'getSigninToken carries credentials' });
  }
  config.identityProviders.forEach((idp, index) => {
    const at = `identityProviders.${String(index)}`;
    if (idp.kind === 'oidc') {
      urls.push({
        key: `${at}.settings.issuer`,
        url: idp.settings.issuer,
        carries: 'discovery and the id_token signing keys come from it',
      });
      return;
    }
    if (idp.metadata && 'url' in idp.metadata) {
      urls.push({ key: `${at}.metadata.url`, url: idp.metadata.url, carries: 'the pinned signing certificates come from it' });
    }
    const { ssoUrl, sloUrl, metadataUrl } = idp.settings;
    if (ssoUrl !== undefined) urls.push({ key: `${at}.settings.ssoUrl`, url: ssoUrl, carries: 'browsers sign in there' });
    if (sloUrl !== undefined) urls.push({ key: `${at}.settings.sloUrl`, url: sloUrl, carries: 'browsers sign out there' });
    if (metadataUrl !== undefined)
      urls.push({ key: `${at}.settings.metadataUrl`, url: metadataUrl, carries: 'the IdP metadata comes from it' });
  });
  config.notifications.webhooks.forEach((webhook, index) => {
    const full = typeof webhook.url === 'string' ? webhook.url : webhook.url.reveal();
    // The origin only: the path of a webhook URL is often its secret, and this list is logged.
    urls.push({ key: `notifications.webhooks.${String(index)}.url`, url: originOf(full), carries: 'signed notifications about access' });
  });
  return urls;
}

function originOf(url: string): string {
  try {
    return `${new URL(url).origin}/`;
  } catch {
    return url;
  }
}

/** The guarded URLs that are plain http: what the start-up warning lists when allowInsecureLoopback is on. */
export function plainHttpUrls(config: UrlSource): GuardedUrl[] {
  return guardedUrls(config).filter((entry) => isPlainHttp(entry.url));
}

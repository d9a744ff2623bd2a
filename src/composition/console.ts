import { FetchFederationGateway } from '../adapters/aws-signin/fetch-federation-gateway.js';
import type { ConsoleDeps } from '../features/console/issue-console-url.js';
import type { CredentialsDeps } from '../features/credentials/issue-credentials.js';
import { RolePreferences } from '../features/portal/role-preferences.js';
import type { Platform } from './platform.js';

/** Console sign-in URLs (the credentials exchange, then the AWS federation endpoint) and the portal's role preferences. */
export function buildConsole(platform: Platform, credentials: CredentialsDeps): { console: ConsoleDeps; preferences: RolePreferences } {
  const { config } = platform;
  return {
    console: {
      credentials,
      federation: new FetchFederationGateway({ timeoutMs: config.console.timeoutMs }),
      settings: {
        issuerUrl: new URL('/portal', config.server.publicUrl).href,
        ...(config.console.federationEndpoint ? { federationEndpoint: config.console.federationEndpoint } : {}),
        ...(config.console.consoleUrl ? { standInConsole: config.console.consoleUrl } : {}),
      },
    },
    preferences: new RolePreferences(platform.kv),
  };
}

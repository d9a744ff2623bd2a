import { writeTokens } from '../../src/cli/token-store.js';
import { cliPaths } from '../../src/cli/config-dir.js';
import type { CliBroker } from './cli-broker.js';
import { cliTokensFor } from './cli-broker.js';
import { cliHome, type CliHome } from './cli-process.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from './exchange-world.js';

/**
 * The exchange world with administration roles as the demo has them: bob is
 * in rolegate-admins (admin), alice in aws-readonly is made an auditor here,
 * carol is neither.
 */
export function startAdminWorld(env: Record<string, string> = {}): Promise<ExchangeWorld> {
  return startExchangeWorld({ ROLEGATE_AUDITOR_GROUPS: 'aws-readonly', ...env });
}

/** A CLI home signed in (tokens.json written) as the user of `signedIn`, through the real loopback OAuth flow. */
export async function signedInCliHome(
  world: ExchangeWorld,
  signedIn: SignedIn,
  /** The instance the CLI talks to (another instance on the same database and Redis); the world's app by default. */
  brokerUrl: string = world.app.url,
): Promise<{ home: CliHome; tokens: Record<string, unknown> }> {
  const tokens = await cliTokensFor({ url: world.app.url } as CliBroker, signedIn.browser);
  const home = cliHome({ ROLEGATE_URL: brokerUrl });
  const now = Date.now();
  writeTokens(cliPaths(home.configDir), {
    version: 1,
    broker: brokerUrl,
    clientId: 'rolegate-cli',
    accessToken: String(tokens.access_token),
    accessTokenExpiresAt: now + Number(tokens.expires_in) * 1000,
    refreshToken: String(tokens.refresh_token),
    refreshTokenExpiresAt: now + 3_600_000,
    deviceName: 'laptop-test',
    obtainedAt: now,
  });
  return { home, tokens };
}

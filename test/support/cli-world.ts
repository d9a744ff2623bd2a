import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { expect } from 'vitest';
import { formField } from './browser.js';
import { cliHome, startCli, type CliHome } from './cli-process.js';
import { stsClient } from './devstack.js';
import { startExchangeWorld, type ExchangeWorld, type SignedIn } from './exchange-world.js';
import { auditRows } from './login-app.js';

/** rolegate + devstack (demo IdP, local STS, demo access model), with the CLI's device flow polling every second. */
export function startCliWorld(env: Record<string, string> = {}): Promise<ExchangeWorld> {
  return startExchangeWorld({ ROLEGATE_CLI_DEVICE_POLL_INTERVAL_S: '1', ...env });
}

/**
 * A CLI home signed in as `user` (already signed in to the portal): runs
 * `rolegate login --no-browser`, and confirms the code on the portal's
 * device page as the user would.
 */
export async function cliSignedIn(
  world: ExchangeWorld,
  user: SignedIn,
  extraEnv: Record<string, string> = {},
  loginArgs: string[] = [],
): Promise<CliHome> {
  const home = cliHome(extraEnv);
  const cli = startCli(['login', '--broker', world.app.url, '--no-browser', '--device-name', 'test-box', ...loginArgs], home);
  const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
  const page = await (
    await user.browser.request(`${world.app.url}/device?user_code=${userCode}`, { headers: { accept: 'text/html' } })
  ).text();
  const confirmed = await user.browser.request(`${world.app.url}/device`, {
    method: 'POST',
    form: { _csrf: formField(page, '_csrf') ?? '', user_code: formField(page, 'user_code') ?? '', decision: 'approve' },
  });
  expect(confirmed.status).toBe(200);
  const result = await cli.exit();
  expect(result.code, result.stderr).toBe(0);
  return home;
}

/** How many credential requests reached the broker (each one is audited, granted or denied). */
export async function brokerCredentialRequests(world: ExchangeWorld): Promise<number> {
  return (await auditRows(world.app.t, 'credentials.issue')).length;
}

export interface ProcessCredentials {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

/** Who the local STS says these credentials are. */
export async function callerArnOf(world: ExchangeWorld, c: ProcessCredentials): Promise<string | undefined> {
  const client = stsClient(world.devstack.stsUrl, {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
  });
  return (await client.send(new GetCallerIdentityCommand({}))).Arn;
}

import { afterEach, describe, expect, it } from 'vitest';
import type { AwsAccount } from '../../../src/domain/access-model.js';
import { isRolegateError } from '../../../src/domain/errors.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// An account's stsEndpoint comes from the access model (access file or admin API), not from the
// start-up configuration, so production mode checks it where the exchange resolves it, before
// anything is minted or sent.

const opened: TestApp[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});

async function productionApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createTestApp({ ROLEGATE_MODE: 'production', ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example', ...env });
  opened.push(t);
  return t;
}

const account = (stsEndpoint?: string): AwsAccount => ({
  id: '111111111111',
  alias: 'sandbox',
  partition: 'aws',
  region: 'eu-west-1',
  ...(stsEndpoint ? { stsEndpoint } : {}),
});

function refusalOf(call: () => unknown): string | undefined {
  try {
    call();
    return undefined;
  } catch (error) {
    if (!isRolegateError(error)) throw error;
    expect(error.code).toBe('server_error');
    expect(error.expose).toBe(false);
    return error.detail;
  }
}

describe('the STS endpoint of an account, in production mode', () => {
  it('when an account names a plain-http STS endpoint, then the exchange refuses it; https and the default are used', async () => {
    const { deps } = await productionApp();
    const endpointFor = deps.credentials.exchange.endpointFor.bind(deps.credentials.exchange);
    expect(refusalOf(() => endpointFor(account('http://sts.corp.example')))).toMatch(
      /^Account 111111111111 has stsEndpoint http:\/\/sts\.corp\.example: expected an https:\/\/ URL in production mode/,
    );
    expect(refusalOf(() => endpointFor(account('http://127.0.0.1:4566')))).toMatch(/ROLEGATE_ALLOW_INSECURE_LOOPBACK/);
    expect(endpointFor(account('https://vpce-1.sts.eu-west-1.vpce.amazonaws.com'))).toEqual({
      region: 'eu-west-1',
      url: 'https://vpce-1.sts.eu-west-1.vpce.amazonaws.com',
    });
    expect(endpointFor(account()).url).toMatch(/^https:\/\/sts\.eu-west-1\.amazonaws\.com/);
  });

  it('when allowInsecureLoopback is set, then a loopback account endpoint is used and any other plain-http one still refused', async () => {
    const { deps } = await productionApp({ ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true' });
    const endpointFor = deps.credentials.exchange.endpointFor.bind(deps.credentials.exchange);
    expect(endpointFor(account('http://127.0.0.1:4566')).url).toBe('http://127.0.0.1:4566');
    expect(refusalOf(() => endpointFor(account('http://sts.corp.example')))).toMatch(/covers loopback hosts only, not sts\.corp\.example/);
  });
});

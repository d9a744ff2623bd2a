import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsSdkStsGateway } from '../../../src/adapters/aws-sts/aws-sdk-sts-gateway.js';
import { RolegateError } from '../../../src/domain/errors.js';
import { PROVIDER, role, samlWorld } from '../../devstack/saml-world.js';
import { startTestSts } from '../../support/devstack.js';
import { FaultProxy } from '../../support/fault-proxy.js';
import { captureLogs } from '../../support/logs.js';
import { mintSamlResponse, testSigner, toBase64 } from '../../support/saml/mint-saml-response.js';

let sts: Awaited<ReturnType<typeof startTestSts>>;
let proxy: FaultProxy;
beforeAll(async () => {
  sts = await startTestSts(samlWorld());
  proxy = await FaultProxy.start(sts.url);
});
afterAll(async () => {
  await proxy.close();
  await sts.close();
});

const assertion = (roleName = 'Developer') =>
  toBase64(mintSamlResponse({ signer: testSigner('idp'), roles: [`${role(roleName)},${PROVIDER}`], sessionName: 'alice@corp.example' }));

function gateway(budgetMs = 3000) {
  const calls: { action: string; outcome: string }[] = [];
  const logs = captureLogs();
  const sdk = new AwsSdkStsGateway({ logger: logs.logger, retryBudgetMs: budgetMs, onCall: (c) => calls.push(c) });
  return { sdk, calls, logs };
}

async function rejection(call: Promise<unknown>): Promise<RolegateError> {
  const error = await call.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (!(error instanceof RolegateError)) throw error;
  return error;
}

describe('AwsSdkStsGateway against the local STS endpoint', () => {
  it('when the SAML assertion is valid, then it returns wrapped credentials and the assumed-role ARN', async () => {
    const { sdk, calls } = gateway();
    const result = await sdk.assumeRoleWithSaml({
      endpoint: { region: 'us-east-1', url: sts.url },
      roleArn: role('Developer'),
      principalArn: PROVIDER,
      samlAssertion: assertion(),
      durationSeconds: 3600,
    });
    expect(result.assumedRoleArn).toBe('arn:aws:sts::111111111111:assumed-role/Developer/alice@corp.example');
    expect(result.credentials.accessKeyId).toMatch(/^ASIA/);
    expect(JSON.stringify(result.credentials)).not.toContain(result.credentials.secretAccessKey.reveal());
    expect(result.credentials.expiration.getTime() - Date.now()).toBeGreaterThan(3500_000);
    expect(calls).toEqual([expect.objectContaining({ action: 'AssumeRoleWithSAML', outcome: 'success' })]);
  });

  it('when STS refuses the role, then it is sts_access_denied naming the AWS error, without retrying', async () => {
    const { sdk, calls } = gateway();
    const error = await rejection(
      sdk.assumeRoleWithSaml({
        endpoint: { region: 'us-east-1', url: sts.url },
        roleArn: role('TrustsAnotherProvider'),
        principalArn: PROVIDER,
        samlAssertion: assertion('TrustsAnotherProvider'),
        durationSeconds: 3600,
      }),
    );
    expect(error.code).toBe('sts_access_denied');
    expect(error.status).toBe(403);
    expect(error.detail).toMatch(/^AWS STS refused AssumeRoleWithSAML: AccessDenied: /);
    expect(error.extras).toEqual({ awsErrorCode: 'AccessDenied' });
    expect(calls).toHaveLength(1);
  });

  it('when STS throttles twice, then the third attempt succeeds', async () => {
    const { sdk, calls } = gateway();
    proxy.faults.push(
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
      { status: 503, code: 'ServiceUnavailable', message: 'busy' },
    );
    const result = await sdk.assumeRoleWithSaml({
      endpoint: { region: 'us-east-1', url: proxy.url },
      roleArn: role('Developer'),
      principalArn: PROVIDER,
      samlAssertion: assertion(),
      durationSeconds: 3600,
    });
    expect(result.assumedRoleArn).toContain('assumed-role/Developer/');
    expect(calls.map((c) => c.outcome)).toEqual(['throttled', 'transient', 'success']);
  });

  it('when STS keeps throttling past the budget, then it is sts_throttled with Retry-After', async () => {
    const { sdk } = gateway(600);
    for (let i = 0; i < 50; i++) proxy.faults.push({ status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const error = await rejection(
      sdk.assumeRoleWithSaml({
        endpoint: { region: 'us-east-1', url: proxy.url },
        roleArn: role('Developer'),
        principalArn: PROVIDER,
        samlAssertion: assertion(),
        durationSeconds: 3600,
      }),
    );
    proxy.faults.length = 0;
    expect(error.code).toBe('sts_throttled');
    expect(error.status).toBe(503);
    expect(error.headers).toEqual({ 'Retry-After': '1' });
  });

  it('when the budget runs out while STS has not answered an attempt, then it is a 503, never a refusal', async () => {
    const { sdk } = gateway(400);
    proxy.faults.push({ status: 400, code: 'Throttling', message: 'Rate exceeded' });
    proxy.stallNext = 1;
    // The attempt after the throttle is never answered: our own deadline ends it, not STS.
    const error = await rejection(
      sdk.assumeRoleWithSaml({
        endpoint: { region: 'us-east-1', url: proxy.url },
        roleArn: role('Developer'),
        principalArn: PROVIDER,
        samlAssertion: assertion(),
        durationSeconds: 3600,
      }),
    );
    proxy.stallNext = 0;
    proxy.faults.length = 0;
    expect(error.status).toBe(503);
    expect(error.code).toBe('sts_throttled');
    expect(error.headers).toEqual({ 'Retry-After': '1' });
  });

  it('when STS is unreachable, then it is dependency_unavailable within the budget', async () => {
    const { sdk } = gateway(500);
    const started = Date.now();
    const error = await rejection(
      sdk.assumeRoleWithSaml({
        endpoint: { region: 'us-east-1', url: 'http://127.0.0.1:1' },
        roleArn: role('Developer'),
        principalArn: PROVIDER,
        samlAssertion: assertion(),
        durationSeconds: 3600,
      }),
    );
    expect(error.code).toBe('dependency_unavailable');
    expect(error.detail).toMatch(/did not answer AssumeRoleWithSAML/);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

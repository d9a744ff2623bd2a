import { afterEach, describe, expect, it } from 'vitest';
import type { AwsAccount } from '../../../src/domain/access-model.js';
import { isRolegateError } from '../../../src/domain/errors.js';
import { createObject } from '../../../src/features/admin/admin-objects.js';
import { applyAccess, planAccess } from '../../../src/features/admin/apply-access.js';
import { captureLogs } from '../../support/logs.js';
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
    // A 403 naming the misconfigured role, never a 500.
    expect(error.code).toBe('role_not_entitled');
    expect(error.status).toBe(403);
    expect(error.extras).toMatchObject({ reason: 'role_misconfigured' });
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

describe('writing an account with a plain-http STS endpoint, in production mode', () => {
  const admin = { principal: { id: 'corp:admin', idp: 'corp', groups: [] }, requestId: 'r', log: captureLogs().logger };
  const document = (stsEndpoint: string) => ({
    version: 1 as const,
    accounts: [{ id: '111111111111', alias: 'sandbox', partition: 'aws' as const, region: 'eu-west-1', stsEndpoint }],
    roles: [],
    mappings: [],
  });

  it('when an access file or the admin API names one, then plan, apply and create answer 400 naming the account, and nothing is stored', async () => {
    const { deps } = await productionApp();
    const access = deps.admin.access;
    for (const attempt of [
      () => planAccess(access, document('http://sts.corp.example')),
      () => applyAccess(access, admin, document('http://sts.corp.example')),
      () => createObject(access, admin, 'account', { id: '222222222222', alias: 'other', stsEndpoint: 'http://127.0.0.1:4566' }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'invalid_request',
        status: 400,
        detail: expect.stringMatching(
          /^account \d{12}: stsEndpoint http:\/\/\S+: expected an https:\/\/ URL in production mode/,
        ) as unknown,
      });
    }
    const stored = await access.store.read();
    expect(stored.accounts.map((a) => a.entry.id)).not.toContain('111111111111');
    expect(stored.accounts.map((a) => a.entry.id)).not.toContain('222222222222');
  });

  it('when the endpoint is https, or a loopback sidecar with allowInsecureLoopback, then it is accepted', async () => {
    const { deps } = await productionApp({ ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true' });
    const result = await planAccess(deps.admin.access, document('http://127.0.0.1:4566'));
    expect(result.summary.add).toBe(1);
    await expect(planAccess(deps.admin.access, document('http://sts.corp.example'))).rejects.toMatchObject({ code: 'invalid_request' });
    expect((await planAccess(deps.admin.access, document('https://sts.corp.example'))).summary.add).toBe(1);
  });
});

describe('writing an identity provider with plain-http trust URLs, in production mode', () => {
  it('when an access file names a SAML metadata URL, sign-in URL or OIDC issuer over http, then plan answers 400 naming each', async () => {
    const { deps } = await productionApp();
    const idp = (slug: string, kind: 'oidc' | 'saml', settings: Record<string, unknown>) => ({
      slug,
      displayName: slug,
      kind,
      enabled: true,
      groupsFrom: 'groups',
      settings,
    });
    const refusal = await planAccess(deps.admin.access, {
      version: 1,
      identityProviders: [
        idp('okta', 'saml', { metadata: { url: 'http://idp.corp.example/metadata' } }),
        idp('adfs', 'saml', { ssoUrl: 'http://adfs.corp.example/sso', sloUrl: 'https://adfs.corp.example/slo' }),
        idp('entra', 'oidc', { issuer: 'http://login.corp.example/' }),
      ],
      accounts: [],
      roles: [],
      mappings: [],
    }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'invalid_request', status: 400 });
    const issues = (refusal as { extras: { issues: string[] } }).extras.issues;
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^identity provider okta: settings\.metadata\.url http:\/\/idp\.corp\.example\/metadata: expected an https/);
    expect(issues[1]).toMatch(/^identity provider adfs: settings\.ssoUrl http:/);
    expect(issues[2]).toMatch(/^identity provider entra: settings\.issuer http:/);
  });
});

import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSts, stsClient, type StaticCredentials } from '../support/devstack.js';

const A = '111111111111';
const BROKER = { accessKeyId: 'AKIATESTBROKER000002', secretAccessKey: 'broker-test-secret-federation' };
const trusts = (principal: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }],
});
let sts: Awaited<ReturnType<typeof startTestSts>>;

beforeAll(async () => {
  sts = await startTestSts({
    accounts: [
      {
        id: A,
        alias: 'sandbox',
        users: [{ name: 'broker', accessKeys: [BROKER] }],
        roles: [
          { name: 'Console', maxSessionDuration: 43200, trustPolicy: trusts(`arn:aws:iam::${A}:user/broker`) },
          { name: 'Chained', trustPolicy: trusts(`arn:aws:iam::${A}:role/Console`) },
        ],
      },
    ],
  });
});
afterAll(() => sts.close());

async function credentials(via: StaticCredentials = BROKER, roleName = 'Console'): Promise<StaticCredentials> {
  const { Credentials } = await stsClient(sts.url, via).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/${roleName}`, RoleSessionName: 'alice' }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
}

const getSigninToken = (creds: StaticCredentials, sessionDuration?: number) => {
  const session = JSON.stringify({ sessionId: creds.accessKeyId, sessionKey: creds.secretAccessKey, sessionToken: creds.sessionToken });
  const query = new URLSearchParams({
    Action: 'getSigninToken',
    Session: session,
    ...(sessionDuration ? { SessionDuration: String(sessionDuration) } : {}),
  });
  return fetch(`${sts.federationUrl}?${query.toString()}`);
};
const login = (token: string, destination = `${sts.url}/console/`) =>
  fetch(
    `${sts.federationUrl}?${new URLSearchParams({ Action: 'login', Issuer: 'http://localhost:8080', Destination: destination, SigninToken: token }).toString()}`,
    {
      redirect: 'manual',
    },
  );

describe('the console federation endpoint', () => {
  it('when valid role credentials ask for a sign-in token, then login redeems it once and redirects to the Destination', async () => {
    const response = await getSigninToken(await credentials(), 3600);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { SigninToken } = (await response.json()) as { SigninToken: string };
    expect(SigninToken.length).toBeGreaterThan(40);

    const redirected = await login(SigninToken);
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe(`${sts.url}/console/`);
    const cookie = (redirected.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const consolePage = await (await fetch(`${sts.url}/console/`, { headers: { cookie } })).text();
    expect(consolePage).toContain(`arn:aws:sts::${A}:assumed-role/Console/alice`);
    expect(consolePage).toContain('111111111111 (sandbox)');

    const replay = await login(SigninToken);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('invalid, expired or already used');
  });

  it('when the credentials are long-term IAM user keys, then no sign-in token is issued', async () => {
    const response = await getSigninToken(BROKER);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Long-term credentials');
  });

  it('when the secret key is wrong, then no sign-in token is issued', async () => {
    const creds = await credentials();
    expect((await getSigninToken({ ...creds, secretAccessKey: `${creds.secretAccessKey}x` })).status).toBe(400);
  });

  it('when SessionDuration is outside 900-43200 seconds, then 400', async () => {
    const creds = await credentials();
    expect((await getSigninToken(creds, 600)).status).toBe(400);
    expect((await getSigninToken(creds, 43201)).status).toBe(400);
    expect((await getSigninToken(creds, 43200)).status).toBe(200);
  });

  it('when the credentials come from role chaining, then the console session is capped at one hour', async () => {
    const chained = await credentials(await credentials(), 'Chained');
    const refused = await getSigninToken(chained, 7200);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('role chaining');
    expect((await getSigninToken(chained, 3600)).status).toBe(200);
  });

  it('when the Destination is not an AWS console or loopback URL, then login refuses (no open redirect)', async () => {
    const { SigninToken } = (await (await getSigninToken(await credentials())).json()) as { SigninToken: string };
    expect((await login(SigninToken, 'https://evil.example/phish')).status).toBe(400);
    expect((await login(SigninToken, 'https://us-west-2.console.aws.amazon.com/ec2/home')).status).toBe(302);
  });

  it('when the sign-in token is older than 15 minutes, then login refuses it', async () => {
    const { SigninToken } = (await (await getSigninToken(await credentials())).json()) as { SigninToken: string };
    sts.clock.advance(15 * 60_000 + 1000);
    expect((await login(SigninToken)).status).toBe(400);
  });

  it('when the Action is unknown, then 400', async () => {
    expect((await fetch(`${sts.federationUrl}?Action=logout`)).status).toBe(400);
  });
});

import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { failure, startTestSts, stsClient, type StaticCredentials } from '../support/devstack.js';

const A = '111111111111';
const B = '222222222222';
const BROKER = { accessKeyId: 'AKIATESTBROKER000001', secretAccessKey: 'broker-test-secret-0123456789' };
const OUTSIDER = { accessKeyId: 'AKIATESTOUTSIDER0001', secretAccessKey: 'outsider-test-secret-0123456789' };
const role = (name: string, account = A) => `arn:aws:iam::${account}:role/${name}`;
const trusts = (principal: unknown, condition?: unknown) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: principal,
      Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
      ...(condition ? { Condition: condition } : {}),
    },
  ],
});

const world: DevstackConfigInput = {
  accounts: [
    {
      id: A,
      users: [
        { name: 'broker', accessKeys: [BROKER], tags: { team: 'platform' } },
        { name: 'outsider', accessKeys: [OUTSIDER] },
      ],
      roles: [
        { name: 'Target', maxSessionDuration: 43200, trustPolicy: trusts({ AWS: `arn:aws:iam::${A}:user/broker` }) },
        {
          name: 'NeedsExternalId',
          trustPolicy: trusts({ AWS: `arn:aws:iam::${A}:user/broker` }, { StringEquals: { 'sts:ExternalId': 'ext-123' } }),
        },
        { name: 'ChainTarget', maxSessionDuration: 43200, trustPolicy: trusts({ AWS: role('Target') }) },
        { name: 'WholeAccount', trustPolicy: trusts({ AWS: A }) },
        {
          name: 'PlatformTeamOnly',
          trustPolicy: trusts({ AWS: `arn:aws:iam::${A}:root` }, { StringEquals: { 'aws:PrincipalTag/team': 'platform' } }),
        },
      ],
    },
    {
      id: B,
      disabledRegions: ['eu-south-1'],
      roles: [{ name: 'CrossAccount', trustPolicy: trusts({ AWS: `arn:aws:iam::${A}:user/broker` }) }],
    },
  ],
};

let sts: Awaited<ReturnType<typeof startTestSts>>;
beforeAll(async () => {
  sts = await startTestSts(world);
});
afterAll(() => sts.close());

const as = (credentials: StaticCredentials, region?: string) => stsClient(sts.url, credentials, region);
async function sessionOf(roleArn: string, client = as(BROKER), extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}) {
  const { Credentials } = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test-session', ...extra }));
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
  };
}

describe('SigV4 on GetCallerIdentity', () => {
  it('when a long-term key signs the call, then STS names the IAM user', async () => {
    const identity = await as(BROKER).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: A, Arn: `arn:aws:iam::${A}:user/broker` });
    expect(identity.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('when the secret is tampered with, then SignatureDoesNotMatch (403)', async () => {
    const refused = await failure(as({ ...BROKER, secretAccessKey: `${BROKER.secretAccessKey}x` }).send(new GetCallerIdentityCommand({})));
    expect(refused).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(refused.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('when the access key is unknown, then InvalidClientTokenId (403)', async () => {
    expect(
      await failure(as({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({}))),
    ).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('when temporary credentials sign the call, then STS names the assumed-role session', async () => {
    const creds = await sessionOf(role('Target'));
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(await as(creds).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: A,
      Arn: `arn:aws:sts::${A}:assumed-role/Target/test-session`,
    });
  });

  it('when the session token does not belong to the key, then InvalidClientTokenId', async () => {
    const creds = await sessionOf(role('Target'));
    const other = await sessionOf(role('Target'));
    expect(await failure(as({ ...creds, sessionToken: other.sessionToken }).send(new GetCallerIdentityCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
    });
  });

  it('when temporary credentials are used after they expire, then ExpiredToken (403)', async () => {
    const clocked = await startTestSts(world);
    try {
      const { Credentials } = await stsClient(clocked.url, BROKER).send(
        new AssumeRoleCommand({ RoleArn: role('Target'), RoleSessionName: 'short', DurationSeconds: 900 }),
      );
      const creds = {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      };
      clocked.clock.advance(901_000);
      // The SDK signs with its own clock; the endpoint's clock moved, so only expiry (not skew) may fail here.
      const refused = await failure(stsClient(clocked.url, creds).send(new GetCallerIdentityCommand({})));
      expect(refused).toMatchObject({
        name: 'ExpiredToken',
        status: 403,
        message: 'The security token included in the request is expired',
      });
    } finally {
      await clocked.close();
    }
  });
});

describe('AssumeRole', () => {
  it('when the trust policy names the IAM user, then the session is issued with the requested name and duration', async () => {
    const result = await as(BROKER).send(
      new AssumeRoleCommand({ RoleArn: role('Target'), RoleSessionName: 'alice@example.com', DurationSeconds: 43200 }),
    );
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${A}:assumed-role/Target/alice@example.com`);
    expect((result.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeGreaterThan(43_100_000);
  });

  it('when the trust policy is not satisfied, then AccessDenied names the caller and the role', async () => {
    expect(await failure(as(OUTSIDER).send(new AssumeRoleCommand({ RoleArn: role('Target'), RoleSessionName: 'x1' })))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${A}:user/outsider is not authorized to perform: sts:AssumeRole on resource: ${role('Target')}`,
    });
  });

  it('when the role trusts the account, then any principal of the account may assume it', async () => {
    await expect(as(OUTSIDER).send(new AssumeRoleCommand({ RoleArn: role('WholeAccount'), RoleSessionName: 'x1' }))).resolves.toBeDefined();
  });

  it('when the trust policy conditions on aws:PrincipalTag, then the IAM user tags decide', async () => {
    await expect(
      as(BROKER).send(new AssumeRoleCommand({ RoleArn: role('PlatformTeamOnly'), RoleSessionName: 'x1' })),
    ).resolves.toBeDefined();
    expect(
      await failure(as(OUTSIDER).send(new AssumeRoleCommand({ RoleArn: role('PlatformTeamOnly'), RoleSessionName: 'x1' }))),
    ).toMatchObject({ name: 'AccessDenied' });
  });

  it('when an ExternalId condition exists, then only the right ExternalId passes', async () => {
    const send = (ExternalId?: string) =>
      as(BROKER).send(
        new AssumeRoleCommand({ RoleArn: role('NeedsExternalId'), RoleSessionName: 'x1', ...(ExternalId ? { ExternalId } : {}) }),
      );
    expect(await failure(send())).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(send('ext-999'))).toMatchObject({ name: 'AccessDenied' });
    await expect(send('ext-123')).resolves.toBeDefined();
  });

  it('when role credentials assume another role for more than an hour, then ValidationError (role chaining)', async () => {
    const creds = await sessionOf(role('Target'));
    expect(
      await failure(
        as(creds).send(new AssumeRoleCommand({ RoleArn: role('ChainTarget'), RoleSessionName: 'chained', DurationSeconds: 7200 })),
      ),
    ).toMatchObject({
      name: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
    const chained = await as(creds).send(new AssumeRoleCommand({ RoleArn: role('ChainTarget'), RoleSessionName: 'chained' }));
    expect((chained.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(chained.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${A}:assumed-role/ChainTarget/chained`);
  });

  it('when DurationSeconds exceeds MaxSessionDuration, then ValidationError', async () => {
    expect(
      await failure(
        as(BROKER).send(new AssumeRoleCommand({ RoleArn: role('WholeAccount'), RoleSessionName: 'x1', DurationSeconds: 3601 })),
      ),
    ).toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });

  it.each([
    ['too short', 'a'],
    ['too long', 'a'.repeat(65)],
    ['a space', 'alice smith'],
  ])('when the RoleSessionName is %s, then ValidationError', async (_what, name) => {
    expect(await failure(as(BROKER).send(new AssumeRoleCommand({ RoleArn: role('Target'), RoleSessionName: name })))).toMatchObject({
      name: 'ValidationError',
      status: 400,
      message: expect.stringContaining("at 'roleSessionName' failed to satisfy constraint") as string,
    });
  });

  it('when SourceIdentity and tags are passed, then the session carries the SourceIdentity', async () => {
    const result = await as(BROKER).send(
      new AssumeRoleCommand({
        RoleArn: role('Target'),
        RoleSessionName: 'x1',
        SourceIdentity: 'alice',
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    expect(result.SourceIdentity).toBe('alice');
    expect(result.SessionTokenUtilization).toBeGreaterThan(0);
  });

  it('when more than 50 session tags are passed, then ValidationError', async () => {
    const Tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${String(i)}`, Value: 'v' }));
    expect(await failure(as(BROKER).send(new AssumeRoleCommand({ RoleArn: role('Target'), RoleSessionName: 'x1', Tags })))).toMatchObject({
      name: 'ValidationError',
    });
  });

  it('when the call is signed for a Region where STS is disabled for the account, then RegionDisabledException', async () => {
    expect(
      await failure(as(BROKER, 'eu-south-1').send(new AssumeRoleCommand({ RoleArn: role('CrossAccount', B), RoleSessionName: 'x1' }))),
    ).toMatchObject({
      name: 'RegionDisabledException',
      status: 403,
    });
    await expect(
      as(BROKER).send(new AssumeRoleCommand({ RoleArn: role('CrossAccount', B), RoleSessionName: 'x1' })),
    ).resolves.toBeDefined();
  });
});

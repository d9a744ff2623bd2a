import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestSts, stsClient } from '../support/devstack.js';
import { startTestOidcIssuer, type TestOidcIssuer } from '../support/test-oidc-issuer.js';

const A = '111111111111';
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
let issuer: TestOidcIssuer;
let sts: Awaited<ReturnType<typeof startTestSts>>;

beforeAll(async () => {
  issuer = await startTestOidcIssuer();
  const id = issuer.url.replace('http://', '');
  const provider = `arn:aws:iam::${A}:oidc-provider/${id}`;
  const trust = (actions: string[], condition: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: actions, Condition: condition }],
  });
  const all = ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'];
  sts = await startTestSts({
    accounts: [
      {
        id: A,
        oidcProviders: [
          { url: issuer.url, clientIds: ['sts.amazonaws.com'] },
          { url: 'http://127.0.0.1:9/unreachable', clientIds: ['sts.amazonaws.com'] },
        ],
        roles: [
          {
            name: 'WebDeveloper',
            maxSessionDuration: 43200,
            trustPolicy: trust(all, { StringEquals: { [`${id}:aud`]: 'sts.amazonaws.com' } }),
          },
          { name: 'OnlyAlice', trustPolicy: trust(all, { StringEquals: { [`${id}:sub`]: 'alice' } }) },
          { name: 'MfaOnly', trustPolicy: trust(all, { 'ForAnyValue:StringEquals': { [`${id}:amr`]: 'mfa' } }) },
          { name: 'NoTags', trustPolicy: trust(['sts:AssumeRoleWithWebIdentity'], {}) },
          {
            name: 'Unreachable',
            trustPolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/127.0.0.1:9/unreachable` },
                  Action: 'sts:AssumeRoleWithWebIdentity',
                },
              ],
            },
          },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await sts.close();
  await issuer.close();
});

const assume = (token: string, roleName = 'WebDeveloper', extra: { DurationSeconds?: number } = {}) =>
  stsClient(sts.url).send(
    new AssumeRoleWithWebIdentityCommand({ RoleArn: role(roleName), RoleSessionName: 'alice-web', WebIdentityToken: token, ...extra }),
  );
const token = (claims: Record<string, unknown> = {}, options?: Parameters<TestOidcIssuer['sign']>[1]) =>
  issuer.sign({ sub: 'alice', aud: 'sts.amazonaws.com', amr: ['pwd', 'mfa'], ...claims }, options);

describe('AssumeRoleWithWebIdentity', () => {
  it('when the JWT verifies against the provider JWKS, then credentials are issued and recognised by GetCallerIdentity', async () => {
    const result = await assume(
      await token({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['platform'] }, transitive_tag_keys: ['team'] } }),
      'WebDeveloper',
      {
        DurationSeconds: 43200,
      },
    );
    expect(result).toMatchObject({ SubjectFromWebIdentityToken: 'alice', Audience: 'sts.amazonaws.com', Provider: issuer.url });
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${A}:assumed-role/WebDeveloper/alice-web`);
    expect((result.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeGreaterThan(43_100_000);
    const identity = await stsClient(sts.url, {
      accessKeyId: result.Credentials?.AccessKeyId ?? '',
      secretAccessKey: result.Credentials?.SecretAccessKey ?? '',
      sessionToken: result.Credentials?.SessionToken ?? '',
    }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${A}:assumed-role/WebDeveloper/alice-web`);
  });

  it('when the audience is not in the client id list, then InvalidIdentityToken "Incorrect token audience"', async () => {
    expect(await failure(assume(await token({ aud: 'someone-else' })))).toMatchObject({
      name: 'InvalidIdentityTokenException',
      status: 400,
      message: 'Incorrect token audience',
    });
  });

  it('when the token has expired, then ExpiredTokenException', async () => {
    expect(await failure(assume(await token({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 })))).toMatchObject({
      name: 'ExpiredTokenException',
      status: 400,
    });
  });

  it('when the token is signed by a key the issuer does not publish, then InvalidIdentityToken', async () => {
    expect(await failure(assume(await token({}, { key: 'unpublished' })))).toMatchObject({
      name: 'InvalidIdentityTokenException',
      status: 400,
    });
  });

  it('when the token is not valid yet, then IDPRejectedClaim (403)', async () => {
    expect(await failure(assume(await token({}, { notBefore: Math.floor(Date.now() / 1000) + 600 })))).toMatchObject({
      name: 'IDPRejectedClaimException',
      status: 403,
    });
  });

  it('when the issuer is not a registered provider, then InvalidIdentityToken', async () => {
    const forged = await token({ iss: 'http://127.0.0.1:1/other' });
    expect(await failure(assume(forged))).toMatchObject({
      name: 'InvalidIdentityTokenException',
      message: 'No OpenIDConnect provider found in your account for http://127.0.0.1:1/other',
    });
  });

  it('when the provider cannot be reached, then IDPCommunicationError', async () => {
    const unreachable = (await token()).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: 'http://127.0.0.1:9/unreachable', sub: 'a', aud: 'sts.amazonaws.com', exp: 9_999_999_999 }),
    ).toString('base64url');
    expect(await failure(assume([unreachable[0], payload, unreachable[2]].join('.'), 'Unreachable'))).toMatchObject({
      name: 'IDPCommunicationErrorException',
      status: 400,
    });
  });

  it('when the trust policy pins :sub, then only that subject may assume the role', async () => {
    await expect(assume(await token(), 'OnlyAlice')).resolves.toBeDefined();
    expect(await failure(assume(await token({ sub: 'bob' }), 'OnlyAlice'))).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    });
  });

  it('when the trust policy requires mfa in :amr, then a password-only token is refused', async () => {
    await expect(assume(await token(), 'MfaOnly')).resolves.toBeDefined();
    expect(await failure(assume(await token({ amr: ['pwd'] }), 'MfaOnly'))).toMatchObject({ name: 'AccessDenied' });
  });

  it('when the tags claim is sent to a role without sts:TagSession, then AccessDenied', async () => {
    const tagged = await token({ 'https://aws.amazon.com/tags': { principal_tags: { team: ['platform'] } } });
    expect(await failure(assume(tagged, 'NoTags'))).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:TagSession',
    });
  });

  it('when the token is not a JWT, then InvalidIdentityToken', async () => {
    expect(await failure(assume('not-a-jwt'))).toMatchObject({ name: 'InvalidIdentityTokenException' });
  });
});

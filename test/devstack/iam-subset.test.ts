import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteSAMLProviderCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetSAMLProviderCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListSAMLProvidersCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateSAMLProviderCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { failure, startTestSts, stsClient, type StaticCredentials } from '../support/devstack.js';
import { idpMetadata, testSigner } from '../support/saml/mint-saml-response.js';

const A = '111111111111';
const ADMIN = { accessKeyId: 'AKIATESTIAMADMIN0001', secretAccessKey: 'iam-admin-test-secret-0123456789' };
const roleArn = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const trustUser = (user: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:user/${user}` },
      Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
    },
  ],
});
const trustRole = (role: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn(role) }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
});

const world: DevstackConfigInput = {
  accounts: [
    {
      id: A,
      users: [{ name: 'admin', accessKeys: [ADMIN] }],
      roles: [
        { name: 'Entry', maxSessionDuration: 7200, trustPolicy: trustUser('admin') },
        { name: 'Chained', trustPolicy: trustRole('Entry') },
        {
          name: 'Revoker',
          trustPolicy: trustUser('admin'),
          managedPolicies: 'none',
          inlinePolicies: {
            revoke: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
                  Resource: `arn:aws:iam::${A}:role/Entry`,
                },
              ],
            },
          },
        },
      ],
    },
  ],
};

let sts: Awaited<ReturnType<typeof startTestSts>>;
beforeAll(async () => {
  sts = await startTestSts(world);
});
afterAll(() => sts.close());

const iam = (credentials: StaticCredentials = ADMIN) =>
  new IAMClient({ endpoint: sts.url, region: 'us-east-1', maxAttempts: 1, credentials: { ...credentials } });
const decode = (document: string | undefined) => JSON.parse(decodeURIComponent(document ?? '')) as unknown;
async function sessionOf(
  role: string,
  client = stsClient(sts.url, ADMIN),
  extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {},
) {
  const out = await client.send(new AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: 'alice', ...extra }));
  const c = out.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}
const denyBefore = (cutoff: string, extra: Record<string, Record<string, string>> = {}) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff }, ...extra } }],
  });

describe('the devstack IAM subset with the official SDK', () => {
  it('when a role is created, read, updated, listed and deleted, then each answer parses and reflects the change', async () => {
    const trust = JSON.stringify(trustUser('admin'));
    const created = await iam().send(
      new CreateRoleCommand({
        RoleName: 'Made',
        Path: '/team/',
        AssumeRolePolicyDocument: trust,
        MaxSessionDuration: 7200,
        Description: 'made by a test',
        Tags: [{ Key: 'owner', Value: 'rolegate' }],
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: 'Made',
      Path: '/team/',
      Arn: `arn:aws:iam::${A}:role/team/Made`,
      MaxSessionDuration: 7200,
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role?.CreateDate).toBeInstanceOf(Date);

    expect(await failure(iam().send(new CreateRoleCommand({ RoleName: 'Made', AssumeRolePolicyDocument: trust })))).toMatchObject({
      name: 'EntityAlreadyExistsException',
      status: 409,
    });
    await iam().send(new UpdateRoleCommand({ RoleName: 'Made', MaxSessionDuration: 43200 }));
    await iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Made', PolicyDocument: JSON.stringify(trustRole('Entry')) }));
    const got = await iam().send(new GetRoleCommand({ RoleName: 'Made' }));
    expect(got.Role?.MaxSessionDuration).toBe(43200);
    expect(got.Role?.Description).toBe('made by a test');
    expect(got.Role?.Tags).toEqual([{ Key: 'owner', Value: 'rolegate' }]);
    expect(decode(got.Role?.AssumeRolePolicyDocument)).toEqual(trustRole('Entry'));

    const listed = await iam().send(new ListRolesCommand({ PathPrefix: '/team/' }));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['Made']);
    const paged = await iam().send(new ListRolesCommand({ MaxItems: 2 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await iam().send(new ListRolesCommand({ Marker: paged.Marker }));
    expect([...(paged.Roles ?? []), ...(rest.Roles ?? [])].map((r) => r.RoleName)).toEqual(['Entry', 'Chained', 'Revoker', 'Made']);

    await iam().send(new PutRolePolicyCommand({ RoleName: 'Made', PolicyName: 'p', PolicyDocument: denyBefore('2020-01-01T00:00:00Z') }));
    expect(await failure(iam().send(new DeleteRoleCommand({ RoleName: 'Made' })))).toMatchObject({
      name: 'DeleteConflictException',
      status: 409,
    });
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Made', PolicyName: 'p' }));
    await iam().send(new DeleteRoleCommand({ RoleName: 'Made' }));
    expect(await failure(iam().send(new GetRoleCommand({ RoleName: 'Made' })))).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name Made cannot be found.',
      status: 404,
    });
  });

  it('when bad input arrives, then IAM error codes come back, never a 500', async () => {
    expect(await failure(iam().send(new CreateRoleCommand({ RoleName: 'Bad', AssumeRolePolicyDocument: '{not json' })))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      status: 400,
    });
    expect(
      await failure(
        iam().send(new PutRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'p', PolicyDocument: JSON.stringify(trustUser('admin')) })),
      ),
    ).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy document should not specify a principal.',
    });
    expect(await failure(iam().send(new UpdateRoleCommand({ RoleName: 'Entry', MaxSessionDuration: 60 })))).toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
    expect(await failure(iam().send(new GetRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'absent' })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await failure(iam().send(new DeleteRolePolicyCommand({ RoleName: 'Nobody', PolicyName: 'absent' })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
  });

  it('when inline policies together pass 10,240 characters (white space not counted), then PutRolePolicy is LimitExceeded', async () => {
    const sized = (n: number) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'S'.repeat(n), Effect: 'Deny', Action: 'iam:none', Resource: '*' }] });
    const overhead = sized(0).length;
    await iam().send(new PutRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'a', PolicyDocument: sized(6000 - overhead) }));
    // Exactly 10,240 with the first; white space is free.
    await iam().send(
      new PutRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'b', PolicyDocument: `${sized(4240 - overhead)}\n   \n` }),
    );
    expect(
      await failure(iam().send(new PutRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'c', PolicyDocument: sized(1) }))),
    ).toMatchObject({
      name: 'LimitExceededException',
      status: 409,
    });
    // Replacing a policy counts its new size only.
    await iam().send(new PutRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'b', PolicyDocument: sized(4240 - overhead) }));
    const names = await iam().send(new ListRolePoliciesCommand({ RoleName: 'Chained' }));
    expect(names.PolicyNames).toEqual(['a', 'b']);
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'a' }));
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'b' }));
  });

  it('when SAML and OIDC providers are managed, then create/get/update/list/delete round-trip', async () => {
    const metadata = idpMetadata([testSigner('idp').cert]);
    const created = await iam().send(new CreateSAMLProviderCommand({ Name: 'corp', SAMLMetadataDocument: metadata }));
    expect(created.SAMLProviderArn).toBe(`arn:aws:iam::${A}:saml-provider/corp`);
    expect(await failure(iam().send(new CreateSAMLProviderCommand({ Name: 'corp', SAMLMetadataDocument: metadata })))).toMatchObject({
      name: 'EntityAlreadyExistsException',
    });
    expect(
      await failure(iam().send(new CreateSAMLProviderCommand({ Name: 'junk', SAMLMetadataDocument: 'x'.repeat(1000) }))),
    ).toMatchObject({ name: 'InvalidInputException' });
    const next = idpMetadata([testSigner('idp').cert, testSigner('rotated-idp').cert]);
    await iam().send(new UpdateSAMLProviderCommand({ SAMLProviderArn: created.SAMLProviderArn, SAMLMetadataDocument: next }));
    expect((await iam().send(new GetSAMLProviderCommand({ SAMLProviderArn: created.SAMLProviderArn }))).SAMLMetadataDocument).toBe(next);
    expect((await iam().send(new ListSAMLProvidersCommand({}))).SAMLProviderList?.map((p) => p.Arn)).toEqual([created.SAMLProviderArn]);
    await iam().send(new DeleteSAMLProviderCommand({ SAMLProviderArn: created.SAMLProviderArn }));
    expect(await failure(iam().send(new GetSAMLProviderCommand({ SAMLProviderArn: created.SAMLProviderArn })))).toMatchObject({
      name: 'NoSuchEntityException',
    });

    const oidc = await iam().send(
      new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.test/', ClientIDList: ['sts.amazonaws.com'] }),
    );
    expect(oidc.OpenIDConnectProviderArn).toBe(`arn:aws:iam::${A}:oidc-provider/issuer.example.test`);
    await iam().send(
      new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn, ClientID: 'rolegate' }),
    );
    const got = await iam().send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn }));
    expect(got).toMatchObject({ Url: 'issuer.example.test', ClientIDList: ['sts.amazonaws.com', 'rolegate'] });
    expect((await iam().send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([
      { Arn: oidc.OpenIDConnectProviderArn },
    ]);
    expect(
      await failure(iam().send(new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.test', ClientIDList: ['x'] }))),
    ).toMatchObject({ name: 'EntityAlreadyExistsException' });
    await iam().send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn }));
    expect(
      await failure(iam().send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn }))),
    ).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('when IAM is called unsigned or signed for sts, then it is refused', async () => {
    const response = await fetch(sts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListRoles&Version=2010-05-08',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

describe('identity-policy evaluation', () => {
  it('when a Deny on aws:TokenIssueTime covers a session, then it can no longer chain, while a session issued after the cut-off can', async () => {
    const old = await sessionOf('Entry');
    await stsClient(sts.url, old).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-before' }));
    sts.clock.advance(2000);
    const cutoff = new Date(Math.ceil(sts.clock.now().getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await iam().send(
      new PutRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'rolegate-revocations', PolicyDocument: denyBefore(cutoff) }),
    );
    const refused = await failure(
      stsClient(sts.url, old).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-after' })),
    );
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(refused.message).toContain('with an explicit deny in an identity-based policy');

    sts.clock.advance(2000);
    const fresh = await sessionOf('Entry');
    await stsClient(sts.url, fresh).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-fresh' }));
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'rolegate-revocations' }));
    await stsClient(sts.url, old).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-restored' }));
  });

  it('when the Deny names a SourceIdentity or a principal tag, then only matching sessions are refused', async () => {
    const alice = await sessionOf('Entry', undefined, { SourceIdentity: 'alice@example.com', Tags: [{ Key: 'team', Value: 'red' }] });
    const bob = await sessionOf('Entry', undefined, { SourceIdentity: 'bob@example.com', Tags: [{ Key: 'team', Value: 'blue' }] });
    sts.clock.advance(2000);
    const cutoff = sts.clock.now().toISOString();
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'Entry',
        PolicyName: 'deny-alice',
        PolicyDocument: denyBefore(cutoff, { StringLike: { 'aws:SourceIdentity': 'alice@*' } }),
      }),
    );
    const chain = (c: StaticCredentials) =>
      stsClient(sts.url, c).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-x' }));
    expect(await failure(chain(alice))).toMatchObject({ name: 'AccessDenied' });
    await chain(bob);
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'deny-alice' }));
    const blueOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } },
      ],
    });
    await iam().send(new PutRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'deny-blue', PolicyDocument: blueOnly }));
    await chain(alice);
    expect(await failure(chain(bob))).toMatchObject({ name: 'AccessDenied' });
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'deny-blue' }));
  });

  it('when a session carries a session policy, then it can only do what that policy allows', async () => {
    const narrowed = await sessionOf('Entry', undefined, {
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] }),
    });
    const refused = await failure(
      stsClient(sts.url, narrowed).send(new AssumeRoleCommand({ RoleArn: roleArn('Chained'), RoleSessionName: 'chain-x' })),
    );
    expect(refused.message).toContain('because no identity-based policy allows the sts:AssumeRole action');
  });

  it('when a role has only its inline policies (managedPolicies: none), then they decide its IAM calls, Resource included', async () => {
    const revoker = await sessionOf('Revoker');
    await iam(revoker).send(
      new PutRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'by-revoker', PolicyDocument: denyBefore('2000-01-01T00:00:00Z') }),
    );
    expect((await iam(revoker).send(new ListRolePoliciesCommand({ RoleName: 'Entry' }))).PolicyNames).toEqual(['by-revoker']);
    expect(
      decode((await iam(revoker).send(new GetRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'by-revoker' }))).PolicyDocument),
    ).toMatchObject({ Version: '2012-10-17' });
    await iam(revoker).send(new DeleteRolePolicyCommand({ RoleName: 'Entry', PolicyName: 'by-revoker' }));
    expect(
      await failure(
        iam(revoker).send(
          new PutRolePolicyCommand({ RoleName: 'Chained', PolicyName: 'x', PolicyDocument: denyBefore('2000-01-01T00:00:00Z') }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await failure(iam(revoker).send(new DeleteRoleCommand({ RoleName: 'Entry' })))).toMatchObject({ name: 'AccessDenied' });
  });
});

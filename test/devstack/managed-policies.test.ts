import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  SetDefaultPolicyVersionCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { failure, startTestSts, stsClient, type StaticCredentials } from '../support/devstack.js';

// Customer managed policies through the official SDK, and their place in the devstack's
// identity-policy evaluation: attached to a role, and passed as session policies (PolicyArns).
const A = '111111111111';
const B = '222222222222';
const ADMIN = { accessKeyId: 'AKIATESTMANAGEDPOL01', secretAccessKey: 'managed-policy-test-secret-0123' };
const OTHER = { accessKeyId: 'AKIATESTMANAGEDPOL02', secretAccessKey: 'managed-policy-test-secret-4567' };
const roleArn = (name: string, account = A) => `arn:aws:iam::${account}:role/${name}`;
const policyArn = (name: string, account = A) => `arn:aws:iam::${account}:policy/${name}`;
const trustAdmin = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/admin` }, Action: 'sts:AssumeRole' }],
};
const doc = (effect: 'Allow' | 'Deny', action: string | string[], resource = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: action, Resource: resource }] });

const world: DevstackConfigInput = {
  accounts: [
    {
      id: A,
      users: [{ name: 'admin', accessKeys: [ADMIN] }],
      policies: [
        {
          name: 'SeededReadRoles',
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }] },
        },
      ],
      roles: [
        // Allowed nothing but what its attached policies allow.
        { name: 'Narrow', trustPolicy: trustAdmin, managedPolicies: 'none' },
        { name: 'Seeded', trustPolicy: trustAdmin, managedPolicies: 'none', attachedPolicies: ['SeededReadRoles'] },
        // The stand-in for unmodelled managed policies: everything no Deny forbids.
        { name: 'Entry', trustPolicy: trustAdmin },
        {
          name: 'Target',
          trustPolicy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn('Entry') }, Action: 'sts:AssumeRole' }],
          },
        },
      ],
    },
    { id: B, users: [{ name: 'other', accessKeys: [OTHER] }] },
  ],
};

let sts: Awaited<ReturnType<typeof startTestSts>>;
beforeAll(async () => {
  sts = await startTestSts(world);
});
afterAll(() => sts.close());

const iam = (credentials: StaticCredentials = ADMIN) =>
  new IAMClient({ endpoint: sts.url, region: 'us-east-1', maxAttempts: 1, credentials: { ...credentials } });
async function sessionOf(role: string, policyArns: string[] = []): Promise<StaticCredentials> {
  const out = await stsClient(sts.url, ADMIN).send(
    new AssumeRoleCommand({
      RoleArn: roleArn(role),
      RoleSessionName: 'managed',
      ...(policyArns.length > 0 ? { PolicyArns: policyArns.map((arn) => ({ arn })) } : {}),
    }),
  );
  return {
    accessKeyId: out.Credentials?.AccessKeyId ?? '',
    secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
    sessionToken: out.Credentials?.SessionToken ?? '',
  };
}
const getRoleAs = (credentials: StaticCredentials) => iam(credentials).send(new GetRoleCommand({ RoleName: 'Target' }));
const chainAs = (credentials: StaticCredentials) =>
  stsClient(sts.url, credentials).send(new AssumeRoleCommand({ RoleArn: roleArn('Target'), RoleSessionName: 'chained' }));
const create = (name: string, document: string, extra: { Path?: string; Description?: string } = {}) =>
  iam().send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: document, ...extra }));

describe('the devstack IAM: managed policies', () => {
  it('when a policy is created, then GetPolicy answers it; a duplicate, a malformed or an oversized one is refused as IAM refuses', async () => {
    const created = await create('ReadRoles', doc('Allow', ['iam:GetRole', 'iam:ListRoles']), {
      Path: '/team/',
      Description: 'read roles',
    });
    expect(created.Policy).toMatchObject({
      PolicyName: 'ReadRoles',
      Arn: `arn:aws:iam::${A}:policy/team/ReadRoles`,
      Path: '/team/',
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    const got = await iam().send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${A}:policy/team/ReadRoles` }));
    expect(got.Policy).toMatchObject({ PolicyName: 'ReadRoles', Description: 'read roles', DefaultVersionId: 'v1' });

    expect(await failure(create('ReadRoles', doc('Allow', 'iam:GetRole')))).toMatchObject({
      name: 'EntityAlreadyExistsException',
      status: 409,
      message: 'A policy called ReadRoles already exists. Duplicate names are not allowed.',
    });
    expect(await failure(create('Broken', '{"Version":"2012-10-17"'))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      status: 400,
    });
    expect(
      await failure(
        create('WithPrincipal', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] })),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Policy document should not specify a principal.' });
    expect(await failure(create('Huge', doc('Allow', 'iam:GetRole', `arn:aws:iam::${A}:role/${'x'.repeat(6100)}`)))).toMatchObject({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for PolicySize: 6144',
    });
    expect(await failure(iam().send(new GetPolicyCommand({ PolicyArn: policyArn('Nope') })))).toMatchObject({
      name: 'NoSuchEntityException',
      status: 404,
      message: `Policy ${policyArn('Nope')} does not exist or is not attachable.`,
    });
    // Another account's policy does not exist for this caller.
    expect(await failure(iam(OTHER).send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${A}:policy/team/ReadRoles` })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await failure(iam().send(new GetPolicyCommand({ PolicyArn: 'not-an-arn' })))).toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
  });

  it("when a policy is attached to a role, then the role's sessions may do what it allows, and no more once it is detached", async () => {
    const arn = (await create('GetTarget', doc('Allow', 'iam:GetRole', roleArn('Target')))).Policy?.Arn ?? '';
    const before = await sessionOf('Narrow');
    expect(await failure(getRoleAs(before))).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('because no identity-based policy allows the iam:GetRole action') as unknown,
    });

    await iam().send(new AttachRolePolicyCommand({ RoleName: 'Narrow', PolicyArn: arn }));
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'Narrow', PolicyArn: arn })); // again: no change
    const listed = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'Narrow' }));
    expect(listed.AttachedPolicies).toEqual([{ PolicyName: 'GetTarget', PolicyArn: arn }]);
    expect((await iam().send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(1);
    // Takes effect at once, for sessions issued before too.
    expect((await getRoleAs(before)).Role?.RoleName).toBe('Target');
    expect(await failure(chainAs(before))).toMatchObject({ name: 'AccessDenied' });

    expect(await failure(iam().send(new DeletePolicyCommand({ PolicyArn: arn })))).toMatchObject({
      name: 'DeleteConflictException',
      message: 'Cannot delete a policy attached to entities.',
    });
    expect(await failure(iam().send(new DeleteRoleCommand({ RoleName: 'Narrow' })))).toMatchObject({
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must detach all policies first.',
    });

    await iam().send(new DetachRolePolicyCommand({ RoleName: 'Narrow', PolicyArn: arn }));
    expect((await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'Narrow' }))).AttachedPolicies).toEqual([]);
    expect(await failure(getRoleAs(before))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(iam().send(new DetachRolePolicyCommand({ RoleName: 'Narrow', PolicyArn: arn })))).toMatchObject({
      name: 'NoSuchEntityException',
      message: `Policy ${arn} was not found.`,
    });
    expect(await failure(iam().send(new AttachRolePolicyCommand({ RoleName: 'Narrow', PolicyArn: policyArn('Nope') })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    expect(await failure(iam().send(new AttachRolePolicyCommand({ RoleName: 'Nobody', PolicyArn: arn })))).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name Nobody cannot be found.',
    });
    await iam().send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect(await failure(iam().send(new GetPolicyCommand({ PolicyArn: arn })))).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('when a role already has 10 managed policies, then an eleventh is LimitExceeded', async () => {
    const arns: string[] = [];
    for (let i = 0; i < 11; i++) arns.push((await create(`Quota${String(i)}`, doc('Allow', 'iam:GetRole'))).Policy?.Arn ?? '');
    for (const arn of arns.slice(0, 10)) await iam().send(new AttachRolePolicyCommand({ RoleName: 'Target', PolicyArn: arn }));
    expect(await failure(iam().send(new AttachRolePolicyCommand({ RoleName: 'Target', PolicyArn: arns[10] ?? '' })))).toMatchObject({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for PoliciesPerRole: 10',
    });
    for (const arn of arns.slice(0, 10)) await iam().send(new DetachRolePolicyCommand({ RoleName: 'Target', PolicyArn: arn }));
  });

  it('when a policy seeded in the YAML is attached there, then it is evaluated like one attached by AttachRolePolicy', async () => {
    const session = await sessionOf('Seeded');
    expect((await getRoleAs(session)).Role?.RoleName).toBe('Target');
    expect((await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'Seeded' }))).AttachedPolicies).toEqual([
      { PolicyName: 'SeededReadRoles', PolicyArn: policyArn('SeededReadRoles') },
    ]);
  });

  it('when a new version is made the default, then it is what is evaluated; versions are listed, read and deleted as IAM does', async () => {
    const arn = (await create('NoChaining', doc('Allow', 'iam:GetRole'))).Policy?.Arn ?? '';
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'Entry', PolicyArn: arn }));
    const session = await sessionOf('Entry');
    await chainAs(session);

    const v2 = await iam().send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('Deny', 'sts:AssumeRole') }));
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: false });
    await chainAs(session); // not the default yet
    await iam().send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    expect(await failure(chainAs(session))).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('with an explicit deny in an identity-based policy') as unknown,
    });

    const read = await iam().send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    expect(JSON.parse(decodeURIComponent(read.PolicyVersion?.Document ?? ''))).toEqual(JSON.parse(doc('Deny', 'sts:AssumeRole')));
    expect(read.PolicyVersion?.IsDefaultVersion).toBe(true);
    const versions = await iam().send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v2', true],
      ['v1', false],
    ]);
    expect(await failure(iam().send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' })))).toMatchObject({
      name: 'DeleteConflictException',
      message: 'Cannot delete the default version of a policy.',
    });
    for (let i = 3; i <= 5; i++)
      await iam().send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('Allow', 'iam:GetRole') }));
    expect(
      await failure(iam().send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('Allow', 'iam:GetRole') }))),
    ).toMatchObject({
      name: 'LimitExceededException',
    });
    await iam().send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(
      (await iam().send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('Allow', 'iam:GetRole') }))).PolicyVersion
        ?.VersionId,
    ).toBe('v6');
    expect(await failure(iam().send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })))).toMatchObject({
      name: 'NoSuchEntityException',
    });
    await iam().send(new DetachRolePolicyCommand({ RoleName: 'Entry', PolicyArn: arn }));
    await chainAs(session);
  });

  it('when a session is issued with managed session policies (PolicyArns), then it may do only what one of them allows, and any Deny in them wins', async () => {
    const allowChain = (await create('SessionChain', doc('Allow', 'sts:AssumeRole'))).Policy?.Arn ?? '';
    const allowRead = (await create('SessionRead', doc('Allow', 'iam:GetRole'))).Policy?.Arn ?? '';
    const denyChain = (await create('SessionNoChain', doc('Deny', 'sts:AssumeRole'))).Policy?.Arn ?? '';

    const readOnly = await sessionOf('Entry', [allowRead]);
    expect((await getRoleAs(readOnly)).Role?.RoleName).toBe('Target');
    expect(await failure(chainAs(readOnly))).toMatchObject({ name: 'AccessDenied' });

    const both = await sessionOf('Entry', [allowRead, allowChain]);
    await chainAs(both);
    expect((await getRoleAs(both)).Role?.RoleName).toBe('Target');

    const denied = await sessionOf('Entry', [allowChain, denyChain]);
    expect(await failure(chainAs(denied))).toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('explicit deny') as unknown,
    });

    // A session policy can only narrow: on Narrow (allowed nothing) it grants nothing.
    const narrow = await sessionOf('Narrow', [allowRead]);
    expect(await failure(getRoleAs(narrow))).toMatchObject({ name: 'AccessDenied' });
    // An ARN the devstack does not hold (an AWS managed policy, say) allows nothing.
    const unknown = await sessionOf('Entry', ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(await failure(getRoleAs(unknown))).toMatchObject({ name: 'AccessDenied' });
  });
});

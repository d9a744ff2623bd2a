import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DevstackConfigInput } from '../../devstack/config/devstack-config-schema.js';
import { failure, startTestSts, stsClient } from '../support/devstack.js';

const A = '111111111111';
const BROKER = { accessKeyId: 'AKIATESTBROKER000001', secretAccessKey: 'broker-test-secret-0123456789' };
const world: DevstackConfigInput = {
  accounts: [
    {
      id: A,
      users: [{ name: 'broker', accessKeys: [BROKER] }],
      roles: [
        {
          name: 'Target',
          trustPolicy: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/broker` }, Action: 'sts:AssumeRole' }],
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

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const assume = (extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]>) =>
  stsClient(sts.url, BROKER).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/Target`, RoleSessionName: 's1', ...extra }));

describe('the devstack STS and session policies', () => {
  it('when Policy and PolicyArns are sent, then the issued session records both', async () => {
    const arns = ['arn:aws:iam::aws:policy/ReadOnlyAccess', `arn:aws:iam::${A}:policy/team/NoIam`];
    const answer = await assume({ Policy: POLICY, PolicyArns: arns.map((arn) => ({ arn })) });
    const session = sts.services.registry.get(answer.Credentials?.AccessKeyId ?? '');
    expect(session?.sessionPolicies).toEqual({ policy: POLICY, policyArns: arns });
  });

  it('when more than 10 PolicyArns are sent, then ValidationError, as AWS', async () => {
    const arns = Array.from({ length: 11 }, (_, i) => ({ arn: `arn:aws:iam::${A}:policy/P${String(i)}` }));
    expect(await failure(assume({ PolicyArns: arns }))).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('when the inline policy is over 2,048 characters, then ValidationError', async () => {
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2100) }],
    });
    expect(await failure(assume({ Policy: big }))).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('when an ARN is not a policy or is from another partition, then InvalidParameterValue', async () => {
    for (const arn of [`arn:aws:iam::${A}:role/NotAPolicy`, 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess'])
      expect(await failure(assume({ PolicyArns: [{ arn }] }))).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('when the inline policy is not a policy document, then MalformedPolicyDocumentException', async () => {
    expect(await failure(assume({ Policy: '{"Version":"2012-10-17"' }))).toMatchObject({ name: 'MalformedPolicyDocumentException' });
  });
});

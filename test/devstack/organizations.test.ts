import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestSts, stsClient, type StaticCredentials } from '../support/devstack.js';

const MGMT = '999999999999';
const MEMBER = '222222222222';
const USER = { accessKeyId: 'AKIAORGTESTADMIN0001', secretAccessKey: 'organizations-test-secret-012345' };
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:user/admin` }, Action: 'sts:AssumeRole' }],
};
let sts: Awaited<ReturnType<typeof startTestSts>>;
let reader: StaticCredentials;
let member: StaticCredentials;

const orgs = (credentials: StaticCredentials, endpoint = sts.url) =>
  new OrganizationsClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { ...credentials } });

async function assume(roleArn: string): Promise<StaticCredentials> {
  const answer = await stsClient(sts.url, USER).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test' }));
  const c = answer.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}

beforeAll(async () => {
  sts = await startTestSts({
    accounts: [
      { id: MGMT, alias: 'management', users: [{ name: 'admin', accessKeys: [USER] }], roles: [{ name: 'Reader', trustPolicy: trust }] },
      { id: MEMBER, roles: [{ name: 'Admin', trustPolicy: trust }] },
    ],
    organization: {
      managementAccount: MGMT,
      accounts: [
        { id: MEMBER, name: 'prod', email: 'aws+prod@example.com', ou: '/Workloads/Prod' },
        { id: '333333333333', name: 'closed', email: 'aws+closed@example.com', ou: '/Workloads', state: 'CLOSED' },
      ],
      generated: { count: 45, ou: '/Workloads/Prod' },
    },
  });
  reader = await assume(`arn:aws:iam::${MGMT}:role/Reader`);
  member = await assume(`arn:aws:iam::${MEMBER}:role/Admin`);
});
afterAll(async () => {
  await sts.close();
});

describe('devstack Organizations subset', () => {
  it('when ListAccounts is paged, then 20 at most per page and every account once, with State and Status as AWS answers', async () => {
    const client = orgs(reader);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }));
      expect(page.Accounts?.length).toBeLessThanOrEqual(20);
      seen.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(48); // management + 2 listed + 45 generated
    const first = await client.send(new ListAccountsCommand({ MaxResults: 2 }));
    expect(first.Accounts?.[0]).toMatchObject({
      Id: MGMT,
      Arn: expect.stringMatching(new RegExp(`^arn:aws:organizations::${MGMT}:account/o-[a-z0-9]{10}/${MGMT}$`)) as string,
      Name: 'management',
      State: 'ACTIVE',
      Status: 'ACTIVE',
    });
    const closed = (await client.send(new ListAccountsCommand({ MaxResults: 3 }))).Accounts?.[2];
    expect(closed).toMatchObject({ Id: '333333333333', State: 'CLOSED' });
    expect(closed?.Status).toBeUndefined();
    expect(closed?.JoinedTimestamp).toBeInstanceOf(Date);
  });

  it('when MaxResults or NextToken is out of bounds, then InvalidInputException with the reason', async () => {
    const client = orgs(reader);
    expect(await failure(client.send(new ListAccountsCommand({ MaxResults: 21 })))).toMatchObject({
      name: 'InvalidInputException',
      status: 400,
    });
    const tampered = await failure(client.send(new ListAccountsCommand({ NextToken: 'bm90LWEtdG9rZW4' })));
    expect(tampered).toMatchObject({ name: 'InvalidInputException', message: 'The provided pagination token is invalid.' });
  });

  it('when the tree is walked, then roots, OUs and parents fit together', async () => {
    const client = orgs(reader);
    const root = (await client.send(new ListRootsCommand({}))).Roots?.[0];
    expect(root).toMatchObject({ Name: 'Root', Id: expect.stringMatching(/^r-[a-z0-9]{4}$/) as string });
    const top = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root?.Id ?? '' }));
    expect(top.OrganizationalUnits?.map((u) => u.Name)).toEqual(['Workloads']);
    const parent = (await client.send(new ListParentsCommand({ ChildId: MEMBER }))).Parents?.[0];
    expect(parent?.Type).toBe('ORGANIZATIONAL_UNIT');
    const prod = await client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parent?.Id ?? '' }));
    expect(prod.OrganizationalUnit?.Name).toBe('Prod');
    const above = (await client.send(new ListParentsCommand({ ChildId: parent?.Id ?? '' }))).Parents?.[0];
    expect(above?.Id).toBe(top.OrganizationalUnits?.[0]?.Id);
    expect(await failure(client.send(new ListParentsCommand({ ChildId: '123456789012' })))).toMatchObject({
      name: 'ChildNotFoundException',
    });
    expect(await failure(client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: 'ou-abcd-12345678' })))).toMatchObject({
      name: 'OrganizationalUnitNotFoundException',
    });
    expect(await failure(client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-zzzz' })))).toMatchObject({
      name: 'ParentNotFoundException',
    });
  });

  it('when a member account or an IAM user calls, then AccessDeniedException; a member may still DescribeOrganization', async () => {
    expect(await failure(orgs(member).send(new ListAccountsCommand({})))).toMatchObject({
      name: 'AccessDeniedException',
      message: "You don't have permissions to access this resource.",
      status: 400,
    });
    expect(await failure(orgs(USER).send(new ListAccountsCommand({})))).toMatchObject({ name: 'AccessDeniedException' });
    const described = await orgs(member).send(new DescribeOrganizationCommand({}));
    expect(described.Organization).toMatchObject({ MasterAccountId: MGMT, FeatureSet: 'ALL' });
  });

  it('when the Organization is absent or the signature is wrong, then the JSON-protocol errors', async () => {
    const lone = await startTestSts({ accounts: [{ id: MGMT, users: [{ name: 'admin', accessKeys: [USER] }] }] });
    try {
      expect(await failure(orgs(USER, lone.url).send(new ListAccountsCommand({})))).toMatchObject({
        name: 'AWSOrganizationsNotInUseException',
        message: 'Your account is not a member of an organization.',
      });
    } finally {
      await lone.close();
    }
    const wrongSecret = orgs({ ...reader, secretAccessKey: 'x'.repeat(40) });
    expect(await failure(wrongSecret.send(new ListAccountsCommand({})))).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    const unknownKey = orgs({ accessKeyId: 'ASIAUNKNOWNUNKNOWN00', secretAccessKey: 'x'.repeat(40), sessionToken: 'nope' });
    expect(await failure(unknownKey.send(new ListAccountsCommand({})))).toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('when the real AWS CLI lists the accounts, then it follows every page', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'rolegate-orgs-cli-'));
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          '/usr/bin/aws',
          ['organizations', 'list-accounts', '--endpoint-url', sts.url, '--output', 'json', '--query', 'Accounts[].Id'],
          {
            timeout: 30_000,
            env: {
              PATH: process.env.PATH,
              HOME: home,
              AWS_CONFIG_FILE: path.join(home, 'config'),
              AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
              AWS_EC2_METADATA_DISABLED: 'true',
              AWS_DEFAULT_REGION: 'us-east-1',
              AWS_PAGER: '',
              AWS_ACCESS_KEY_ID: reader.accessKeyId,
              AWS_SECRET_ACCESS_KEY: reader.secretAccessKey,
              AWS_SESSION_TOKEN: reader.sessionToken ?? '',
            },
          },
          (error, out, err) => (error ? reject(new Error(`${error.message}: ${err}`)) : resolve(out)),
        );
      });
      expect((JSON.parse(stdout) as string[]).length).toBe(48);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

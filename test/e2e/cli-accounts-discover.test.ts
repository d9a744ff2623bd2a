import { createServer, type Server, type Socket } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyPatch } from 'diff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAccessYaml } from '../../src/features/admin/access-file.js';
import { cliHome, runCli, type CliHome } from '../support/cli-process.js';
import { startTestSts } from '../support/devstack.js';

// `rolegate accounts discover`, the built CLI with the real SDK, against the devstack's
// Organizations subset: an Organization of 2,000 generated accounts plus a few named ones.
const MGMT = '999999999999';
const MEMBER = '222222222222';
const ADMIN = { accessKeyId: 'AKIADISCOVERYADMIN01', secretAccessKey: 'discovery-admin-test-secret-0123' };
const trustAdmin = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MGMT}:user/admin` }, Action: 'sts:AssumeRole' }],
};
const READER = `arn:aws:iam::${MGMT}:role/OrganizationReader`;
const GENERATED = 2000;

const FILE = `version: 1

accounts:
  - id: '${MEMBER}'          # production, typed by hand
    alias: prod
  - id: '333333333333'
    alias: old-sandbox      # closed last year
  - id: '888888888888'
    alias: elsewhere        # not in the Organization any more

roles:
  - arn: arn:aws:iam::${MEMBER}:role/Admin
    mode: assume-role
  - arn: arn:aws:iam::888888888888:role/Admin
    mode: assume-role

mappings:
  - group: aws-admin
    role: arn:aws:iam::${MEMBER}:role/Admin
  - group: elsewhere-admin
    role: arn:aws:iam::888888888888:role/Admin
`;

let sts: Awaited<ReturnType<typeof startTestSts>>;
let home: CliHome;

beforeAll(async () => {
  sts = await startTestSts({
    accounts: [
      {
        id: MGMT,
        alias: 'management',
        users: [{ name: 'admin', accessKeys: [ADMIN] }],
        roles: [
          { name: 'OrganizationReader', trustPolicy: trustAdmin },
          { name: 'Deployer', trustPolicy: trustAdmin },
        ],
      },
      { id: MEMBER, roles: [{ name: 'Admin', trustPolicy: trustAdmin }] },
      { id: '777777777777', roles: [{ name: 'Outsider', trustPolicy: trustAdmin }] },
    ],
    organization: {
      managementAccount: MGMT,
      readerRoles: ['OrganizationReader'],
      accounts: [
        { id: MGMT, name: 'management', email: 'aws@example.com' },
        { id: MEMBER, name: 'prod', email: 'aws+prod@example.com', ou: '/Workloads/Prod' },
        { id: '333333333333', name: 'old-sandbox', email: 'aws+old@example.com', ou: '/Sandbox', state: 'CLOSED' },
        { id: '444444444444', name: 'Data Platform', email: 'aws+data@example.com', ou: '/Workloads/Data' },
        { id: '555555555555', name: 'billing', email: 'aws+billing@example.com', ou: '/Suspended', state: 'SUSPENDED' },
      ],
      generated: { count: GENERATED, ou: '/Workloads/Generated/Teams', namePrefix: 'team' },
    },
  });
  home = cliHome();
}, 30_000);
afterAll(async () => {
  await sts.close();
  rmSync(home.home, { recursive: true, force: true });
});

/** The admin's own AWS credentials, as on a laptop (here: keys in the environment), and the devstack as every endpoint. */
const awsEnv = (endpoint = sts.url): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
  AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: endpoint,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: path.join(home.home, 'aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(home.home, 'aws-credentials'),
});

function accessFile(name: string, text = FILE): string {
  const file = path.join(home.home, name);
  writeFileSync(file, text);
  return file;
}

describe('rolegate accounts discover', () => {
  it('when the Organization has 2,000 accounts, then every page is listed and the diff applies cleanly to a file the parser accepts', async () => {
    const file = accessFile('access.yaml');
    const started = Date.now();
    const result = await runCli(['accounts', 'discover', '--role-arn', READER, '-f', file], home, awsEnv());
    const seconds = (Date.now() - started) / 1000;
    expect(result.stderr).toMatch(
      new RegExp(`Organization: ${String(GENERATED + 5)} accounts; ${String(GENERATED + 2)} to add, 2 to remove`),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^={67}\n--- a\/access\.yaml\n\+\+\+ b\/access\.yaml\n/);
    const applied = applyPatch(FILE, result.stdout);
    expect(applied).not.toBe(false);
    const parsed = parseAccessYaml(applied as string);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
    const ids = parsed.document.accounts.map((a) => a.id);
    expect(ids).toHaveLength(1 + 1 + 1 + GENERATED); // prod kept; management, Data Platform and the generated added
    expect(ids).toContain('500000001999');
    expect(ids).not.toContain('333333333333'); // closed
    expect(ids).not.toContain('888888888888'); // gone, with its role and mapping
    expect(ids).not.toContain('555555555555'); // suspended: never added
    expect(parsed.document.mappings.map((m) => m.group)).toEqual(['aws-admin']);
    expect(applied).toContain(`  - id: '500000000000'  # org: "team-0001" /Workloads/Generated/Teams\n    alias: team-0001\n`);
    expect(applied).toContain(`  - id: '${MEMBER}'          # production, typed by hand · org: "prod" /Workloads/Prod\n`);
    console.info(`discovery of ${String(GENERATED + 5)} accounts took ${seconds.toFixed(1)} s`);
  }, 120_000);

  it('when --write is given, then the file becomes the proposal, and a second run proposes nothing', async () => {
    const file = accessFile('write.yaml');
    const written = await runCli(
      ['accounts', 'discover', '--role-arn', READER, '-f', file, '--write', '--ou', '/Workloads/Data'],
      home,
      awsEnv(),
    );
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/^Wrote .*write\.yaml\. Organization: 2005 accounts; 1 to add, 1 to remove/);
    const text = readFileSync(file, 'utf8');
    expect(parseAccessYaml(text).ok).toBe(true);
    expect(text).toContain('  - id: \'444444444444\'  # org: "Data Platform" /Workloads/Data\n    alias: data-platform\n');
    const again = await runCli(
      ['accounts', 'discover', '--role-arn', READER, '-f', file, '--format', 'json', '--ou', '/Workloads/Data'],
      home,
      awsEnv(),
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ organizationAccounts: 2005, patch: '', written: false });
  }, 120_000);

  it('when the role may not read the Organization, then AccessDeniedException is named and the exit code is 5', async () => {
    const file = accessFile('denied.yaml');
    for (const role of [`arn:aws:iam::${MGMT}:role/Deployer`, `arn:aws:iam::${MEMBER}:role/Admin`]) {
      const result = await runCli(['accounts', 'discover', '--role-arn', role, '-f', file], home, awsEnv());
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(
        /^rolegate: AWS Organizations refused: You don't have permissions to access this resource\.\nhint: .*management account/,
      );
      expect(result.stdout).toBe('');
    }
    const outsider = await runCli(
      ['accounts', 'discover', '--role-arn', 'arn:aws:iam::777777777777:role/Outsider', '-f', file],
      home,
      awsEnv(),
    );
    expect(outsider.code).toBe(5);
    expect(outsider.stderr).toMatch(/Your account is not a member of an organization/);
    const unassumable = await runCli(
      ['accounts', 'discover', '--role-arn', `arn:aws:iam::${MGMT}:role/Missing`, '-f', file],
      home,
      awsEnv(),
    );
    expect(unassumable.code).toBe(5);
    expect(unassumable.stderr).toMatch(/^rolegate: STS refused to assume arn:aws:iam::999999999999:role\/Missing/);
    const bad = await runCli(['accounts', 'discover', '--role-arn', 'OrganizationReader', '-f', file], home, awsEnv());
    expect(bad.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(FILE);
  }, 60_000);

  it('when there are no AWS credentials or the file is not an access file, then nothing is called and the exit code says which', async () => {
    const file = accessFile('nocreds.yaml');
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = awsEnv();
    const none = await runCli(['accounts', 'discover', '--role-arn', READER, '-f', file], home, withoutKeys);
    expect(none.code).toBe(8);
    expect(none.stderr).toMatch(/^rolegate: no AWS credentials: .*\nhint: sign in to AWS first/);
    const broken = accessFile('broken.yaml', `${FILE}  - group: x\n    role: arn:aws:iam::123456789012:role/Unlisted\n`);
    const invalid = await runCli(['accounts', 'discover', '--role-arn', READER, '-f', broken], home, awsEnv());
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(
      /^rolegate: .*broken\.yaml is not a valid access file: mappings\.2\.role: role is not listed under roles/,
    );
  }, 60_000);

  it('when the endpoint refuses connections or never answers, then discovery fails within its bounds with exit code 4', async () => {
    const file = accessFile('unreachable.yaml');
    const closed = await freePort();
    const refused = await runCli(
      ['accounts', 'discover', '--role-arn', READER, '-f', file],
      home,
      awsEnv(`http://127.0.0.1:${String(closed)}`),
    );
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^rolegate: cannot reach AWS: ECONNREFUSED/);

    // A listener that accepts and never answers: the --timeout bounds the whole run.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const hung = await runCli(
        ['accounts', 'discover', '--role-arn', READER, '-f', file, '--timeout', '10'],
        home,
        awsEnv(`http://127.0.0.1:${String(port)}`),
      );
      expect(hung.code).toBe(4);
      expect(hung.stderr).toMatch(/^rolegate: AWS did not (finish answering|answer) /);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 60_000);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import type { RolesResponse } from '../../src/contracts/roles.js';
import { runCli } from '../support/cli-process.js';
import { cliSignedIn } from '../support/cli-world.js';
import { SANDBOX, startExchangeWorld, type ExchangeWorld, type MappingSeed, type SignedIn } from '../support/exchange-world.js';

const READ_ONLY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }] });
const NO_DELETE = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:Delete*', Resource: '*' }] });
const READ_ONLY_ARN = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const TEAM_ARN = `arn:aws:iam::${SANDBOX}:policy/team/NoIam`;

const role = (name: string) => `arn:aws:iam::${SANDBOX}:role/${name}`;
const MAPPINGS: MappingSeed[] = [
  // saml
  {
    group: 'aws-dev',
    role: role('Developer'),
    sessionPolicy: READ_ONLY,
    sessionPolicyArns: [READ_ONLY_ARN],
    sessionPolicyDescription: 'read-only use of Developer',
  },
  // web-identity
  { group: 'aws-dev', role: role('WebIdentityDeveloper'), sessionPolicy: NO_DELETE },
  // assume-role
  { group: 'aws-dev', role: role('BrokerDeveloper'), sessionPolicyArns: [READ_ONLY_ARN, TEAM_ARN] },
  { group: 'aws-readonly', role: role('ReadOnly') },
];

let world: ExchangeWorld;
let alice: SignedIn;
beforeAll(async () => {
  world = await startExchangeWorld({ ROLEGATE_CLI_DEVICE_POLL_INTERVAL_S: '1' }, MAPPINGS);
  alice = await world.signIn('alice');
}, 90_000);
afterAll(async () => {
  await world.close();
});

async function issue(name: string): Promise<CredentialsResponse> {
  const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: name } });
  expect(res.status).toBe(200);
  return (await res.json()) as CredentialsResponse;
}

function recorded(body: CredentialsResponse) {
  return world.devstack.issuedSession(body.credentials.accessKeyId)?.sessionPolicies;
}

describe("a mapping's session policies reach STS", () => {
  it('when the role is exchanged with AssumeRoleWithSAML, then STS received the inline policy and the managed ARNs', async () => {
    const body = await issue('Developer');
    expect(world.devstack.issuedSession(body.credentials.accessKeyId)?.issuedBy).toBe('AssumeRoleWithSAML');
    expect(recorded(body)).toEqual({ policy: READ_ONLY, policyArns: [READ_ONLY_ARN] });
  });

  it('when the role is exchanged with AssumeRoleWithWebIdentity, then STS received the inline policy', async () => {
    const body = await issue('WebIdentityDeveloper');
    expect(world.devstack.issuedSession(body.credentials.accessKeyId)?.issuedBy).toBe('AssumeRoleWithWebIdentity');
    expect(recorded(body)).toEqual({ policy: NO_DELETE, policyArns: [] });
  });

  it('when the role is exchanged with AssumeRole, then STS received the managed policy ARNs', async () => {
    const body = await issue('BrokerDeveloper');
    expect(world.devstack.issuedSession(body.credentials.accessKeyId)?.issuedBy).toBe('AssumeRole');
    expect(recorded(body)).toEqual({ policyArns: [READ_ONLY_ARN, TEAM_ARN] });
  });

  it('when a mapping has no session policy, then none is sent', async () => {
    const body = await issue('ReadOnly');
    expect(recorded(body)).toEqual({ policyArns: [] });
  });
});

describe('the roles API', () => {
  it('when a mapping narrows a role, then the role says so: the description, or "session policy applies"', async () => {
    const body = (await (await alice.api('/api/v1/roles')).json()) as RolesResponse;
    const sandbox = body.accounts.find((a) => a.id === SANDBOX);
    const note = (name: string) => sandbox?.roles.find((r) => r.name === name)?.sessionPolicy;
    expect(note('Developer')).toBe('read-only use of Developer');
    expect(note('WebIdentityDeveloper')).toBe('session policy applies');
    expect(note('ReadOnly')).toBeUndefined();
  });
});

describe('rolegate roles (the built CLI)', () => {
  it('when a mapping narrows a role, then the table shows the description next to the role', async () => {
    const home = await cliSignedIn(world, alice);
    const { code, stdout, stderr } = await runCli(['roles'], home);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^sandbox\\s+${SANDBOX}\\s+Developer\\s+12h\\s+Developer in sandbox \\[read-only use of Developer\\]$`)),
    );
    expect(lines).toContainEqual(expect.stringMatching(/WebIdentityDeveloper .*\[session policy applies\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/\sReadOnly\s+\S+\s+ReadOnly in sandbox$/));
  });
});

describe('the credential cache', () => {
  it('when the same mapping is asked again, then the cached credentials are served; when its policy changes, then they are not', async () => {
    const first = await issue('WebIdentityDeveloper');
    const again = await issue('WebIdentityDeveloper');
    expect(again.credentials.accessKeyId).toBe(first.credentials.accessKeyId);

    await world.setMappings(MAPPINGS.map((m) => (m.role === role('WebIdentityDeveloper') ? { ...m, sessionPolicy: READ_ONLY } : m)));
    const narrowed = await issue('WebIdentityDeveloper');
    expect(narrowed.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(recorded(narrowed)).toEqual({ policy: READ_ONLY, policyArns: [] });

    await world.setMappings(MAPPINGS.map((m) => (m.role === role('WebIdentityDeveloper') ? { group: m.group, role: m.role } : m)));
    const unrestricted = await issue('WebIdentityDeveloper');
    expect([first, narrowed].map((b) => b.credentials.accessKeyId)).not.toContain(unrestricted.credentials.accessKeyId);
    expect(recorded(unrestricted)).toEqual({ policyArns: [] });
    await world.setMappings(MAPPINGS);
  });
});

describe('two mappings to one role with different session policies', () => {
  it('when alice qualifies through both, then rolegate refuses to choose and says why', async () => {
    await world.setMappings([...MAPPINGS, { group: 'aws-readonly', role: role('Developer') }]);
    const roles = (await (await alice.api('/api/v1/roles')).json()) as RolesResponse;
    const denied = roles.accounts.find((a) => a.id === SANDBOX)?.denied.find((d) => d.name === 'Developer');
    expect(denied?.conditions).toEqual(['role_misconfigured']);
    expect(denied?.reasons[0]).toMatch(/different session policies/);
    const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } });
    expect(res.status).toBe(403);
    await world.setMappings(MAPPINGS);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import { oauthPost, type CliBroker } from '../support/cli-broker.js';
import { runCli } from '../support/cli-process.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';

const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;
const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;

describe('revocation', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;

  const credentials = async (user: SignedIn, accountId: string, role: string) => {
    const res = await user.api('/api/v1/credentials', { method: 'POST', body: { accountId, role } });
    expect(res.status).toBe(200);
    return (await res.json()) as { cached: boolean };
  };
  const revoke = (body: unknown) => bob.api('/api/v1/admin/revocations', { method: 'POST', body });

  beforeAll(async () => {
    world = await startAdminWorld();
    bob = await world.signIn('bob');
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when a user is revoked, then their portal session, CLI session and cached credentials end, and the Deny policy names them', async () => {
    const alice = await world.signIn('alice');
    const cli = await signedInCliHome(world, alice);
    expect((await credentials(alice, SANDBOX, 'Developer')).cached).toBe(false);
    expect((await credentials(alice, SANDBOX, 'Developer')).cached).toBe(true);
    const before = Date.now();

    const res = await revoke({ user: 'demo:alice' });
    expect(res.status).toBe(201);
    const result = (await res.json()) as Record<string, unknown> & { policy: unknown; revokedAt: string };
    expect(result).toMatchObject({
      user: 'demo:alice',
      sourceIdentity: 'alice',
      cliSessionsRevoked: 1,
      cachedCredentialsDropped: 1,
      affectedRoleArns: [DEVELOPER],
      // No revoker role in this account: the answer names the roles that need the policy by hand.
      aws: { queuedRoleArns: [], byHandRoleArns: [DEVELOPER] },
    });
    expect(result.sessionsEnded).toBeGreaterThanOrEqual(1);
    const policy = JSON.parse(JSON.stringify(result.policy)) as {
      Statement: { Condition: { DateLessThan: Record<string, string> } }[];
    };
    const cutoff = policy.Statement[0]?.Condition.DateLessThan['aws:TokenIssueTime'] ?? '';
    expect(cutoff).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(cutoff)).toBeGreaterThanOrEqual(before);
    expect(result.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RolegateRevokeUser',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' }, DateLessThan: { 'aws:TokenIssueTime': cutoff } },
        },
      ],
    });

    // The portal session is gone.
    expect((await alice.api('/api/v1/me')).status).toBe(401);
    // The CLI's refresh token no longer works, and the CLI says to sign in again.
    const refreshed = await oauthPost({ url: world.app.url } as CliBroker, '/oauth/token', {
      grant_type: 'refresh_token',
      client_id: 'rolegate-cli',
      refresh_token: String(cli.tokens.refresh_token),
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    // What the AWS CLI runs for a profile: it fails with a message that says what to do.
    const process = await runCli(['credential-process', '--account', SANDBOX, '--role', 'Developer'], cli.home);
    expect(process.code).toBe(3);
    expect(process.stdout).toBe('');
    expect(process.stderr).toMatch(/rolegate login/);

    // Signing in again works, and the first credentials come from STS again, not from the cache.
    const again = await world.signIn('alice');
    expect((await credentials(again, SANDBOX, 'Developer')).cached).toBe(false);

    const audited = await world.app.t.deps.database.prisma.auditEvent.findFirst({
      where: { type: 'admin.revoke.user' },
      orderBy: { id: 'desc' },
    });
    expect(audited).toMatchObject({
      subject: 'demo:bob',
      outcome: 'success',
      details: { user: 'demo:alice', cliSessionsRevoked: 1, cachedCredentialsDropped: 1, sourceIdentity: 'alice' },
    });
  });

  it('when a role is revoked, then everyone’s cached credentials of it are dropped and the Deny policy has only the issue-time condition', async () => {
    expect((await credentials(bob, PROD, 'Admin')).cached).toBe(false);
    expect((await credentials(bob, PROD, 'Admin')).cached).toBe(true);
    const res = await revoke({ roleArn: ADMIN });
    expect(res.status).toBe(201);
    const result = (await res.json()) as { policy: { Statement: { Condition: Record<string, unknown> }[] }; affectedRoleArns: string[] };
    expect(result).toMatchObject({ roleArn: ADMIN, cachedCredentialsDropped: 1, affectedRoleArns: [ADMIN] });
    expect(Object.keys(result.policy.Statement[0]?.Condition ?? {})).toEqual(['DateLessThan']);
    expect(result.policy.Statement[0]).toMatchObject({ Effect: 'Deny', Action: '*', Resource: '*' });
    expect((await credentials(bob, PROD, 'Admin')).cached).toBe(false);
    expect(await world.app.t.deps.database.prisma.auditEvent.count({ where: { type: 'admin.revoke.role', roleArn: ADMIN } })).toBe(1);
  });

  it('when the request is wrong, then it is 400 or 404 and nothing is revoked', async () => {
    expect((await revoke({})).status).toBe(400);
    expect((await revoke({ user: 'demo:alice', roleArn: ADMIN })).status).toBe(400);
    expect((await revoke({ user: 'alice' })).status).toBe(400);
    expect((await revoke({ roleArn: 'arn:aws:iam::222222222222:role/Nope' })).status).toBe(404);
    expect((await bob.api('/api/v1/me')).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome } from '../support/admin-world.js';
import { runCli, startCli, type CliHome } from '../support/cli-process.js';
import { DEMO_MAPPINGS, PROD, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: `arn:aws:iam::${PROD}:role/Admin`,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h' },
};

describe('rolegate request, approve and credential-process for an eligible role', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: CliHome;
  let bobCli: CliHome;

  beforeAll(async () => {
    world = await startExchangeWorld({}, [...DEMO_MAPPINGS, ELIGIBLE_ADMIN]);
    const [aliceSignedIn, bobSignedIn] = await Promise.all([world.signIn('alice'), world.signIn('bob')]);
    bob = bobSignedIn;
    alice = (await signedInCliHome(world, aliceSignedIn)).home;
    bobCli = (await signedInCliHome(world, bob)).home;
  }, 90_000);
  afterAll(async () => {
    await world.close();
  });

  it('when alice holds no grant, then credential-process exits 11 with a hint naming rolegate request, and prints nothing on stdout', async () => {
    const run = await runCli(['credential-process', '--account', 'prod', '--role', 'Admin'], alice);
    expect(run.code).toBe(11);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^rolegate: Admin in prod needs an approved access request/);
    // The hint is the exact command to run, as one line.
    expect(run.stderr).toContain(
      '\nhint: run `rolegate request --account prod --role Admin --duration 1h --reason "…"` and wait for approval',
    );
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('when alice requests with the CLI and bob approves with the CLI, then credential-process works until alice cancels', async () => {
    const requested = await runCli(
      ['request', '--account', 'prod', '--role', 'Admin', '--duration', '1h', '--reason', 'rotate the prod database password', '--json'],
      alice,
    );
    expect(requested.code).toBe(0);
    const request = JSON.parse(requested.stdout) as { id: string; state: string };
    expect(request.state).toBe('pending');

    const inbox = await runCli(['requests', '--to-approve'], bobCli);
    expect(inbox.code).toBe(0);
    expect(inbox.stdout).toContain(`${request.id}  pending`);
    expect(inbox.stdout).toContain('reason: rotate the prod database password');

    const self = await runCli(['approve', request.id], alice);
    expect(self.code).toBe(5);
    expect(self.stderr).toMatch(/cannot decide your own request/);

    const approved = await runCli(['approve', request.id, '--comment', 'go ahead'], bobCli);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/active/);
    const again = await runCli(['approve', request.id], bobCli);
    expect(again.code).toBe(6);
    expect(again.stderr).toMatch(/409: The request is active/);

    const creds = await runCli(['credential-process', '--account', 'prod', '--role', 'Admin'], alice);
    expect(creds.code).toBe(0);
    const answer = JSON.parse(creds.stdout) as { Version: number; Expiration: string };
    expect(answer.Version).toBe(1);

    const cancelled = await runCli(['cancel', request.id], alice);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/cancelled/);
    const mine = await runCli(['requests'], alice);
    expect(mine.stdout).toMatch(new RegExp(`${request.id}  cancelled`));
  });

  it('when the request is malformed, then the CLI says what is wrong with a usage or broker error', async () => {
    const typo = await runCli(['approve', 'not-an-id'], bobCli);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/not an access request id/);
    const tooLong = await runCli(
      ['request', '--account', 'prod', '--role', 'Admin', '--duration', '5h', '--reason', 'rotate the password please'],
      alice,
    );
    expect(tooLong.code).toBe(6);
    expect(tooLong.stderr).toMatch(/above the maximum grant of 4h/);
  });

  const pendingIdOf = async () => {
    const inbox = await runCli(['requests', '--to-approve', '--json'], bobCli);
    const [pending] = (JSON.parse(inbox.stdout) as { requests: { id: string }[] }).requests;
    if (pending === undefined) throw new Error('nothing waits for bob');
    return pending.id;
  };
  const ask = ['request', '--role', 'prod/Admin', '--duration', '1h', '--reason', 'rotate the prod database password', '--wait'];

  it('when alice requests with --wait and bob approves, then her command prints the credentials as `rolegate env` does and exits 0', async () => {
    const waiting = startCli(ask, alice);
    await waiting.waitForStderr(/waiting for approval of prod\/Admin/, 'the CLI to wait');
    const id = await pendingIdOf();
    expect((await runCli(['approve', id], bobCli)).code).toBe(0);
    const done = await waiting.exit();
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='?ASIA/m);
    expect(done.stdout).toMatch(/^export AWS_SESSION_TOKEN=/m);
    expect(done.stderr).toMatch(new RegExp(`prod/Admin granted until \\S+ \\(request ${id}\\)`));
    expect((await runCli(['cancel', id], alice)).code).toBe(0);
  });

  it('when bob denies a waited-for request, then alice’s command prints his comment and exits 12; unanswered in time, 13', async () => {
    const waiting = startCli(ask, alice);
    await waiting.waitForStderr(/waiting for approval/, 'the CLI to wait');
    const id = await pendingIdOf();
    expect((await runCli(['deny', id, '--comment', 'use the runbook instead'], bobCli)).code).toBe(0);
    const denied = await waiting.exit();
    expect(denied.code).toBe(12);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(
      new RegExp(`\\nrolegate: request ${id} for prod/Admin was denied by demo:bob: use the runbook instead\n`),
    );

    const unanswered = await runCli([...ask, '--wait-timeout', '1'], alice);
    expect(unanswered.code).toBe(13);
    expect(unanswered.stderr).toMatch(/stopped waiting at .*: \S+ is pending/);
    expect((await runCli(['cancel', await pendingIdOf()], alice)).code).toBe(0);
  });

  it('when alice asks for several roles with repeated --role, then one request each is made, and a wrong --role is a usage error', async () => {
    const both = await runCli(
      [
        'request',
        '--account',
        'prod',
        '--role',
        'Admin',
        '--role',
        'sandbox/Developer',
        '--duration',
        '1h',
        '--reason',
        'rotate the prod database password',
      ],
      alice,
    );
    // sandbox/Developer is standing access: nothing is created, and the pair is named.
    expect(both.code).toBe(6);
    expect(both.stderr).toMatch(/roles\[1\] \(sandbox\/Developer\): You already have standing access/);
    const bare = await runCli(['request', '--role', 'Admin', '--duration', '1h'], alice);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--role Admin: give account\/role, or --account/);
  });
});

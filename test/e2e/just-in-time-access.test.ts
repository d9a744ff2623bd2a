import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceAccessRequests, type AccessRequestDeps } from '../../src/features/access-requests/access-requests.js';
import type { Clock } from '../../src/ports/clock.js';
import { startSecondInstance } from '../support/app.js';
import { cliTokensFor, type CliBroker } from '../support/cli-broker.js';
import { DEMO_MAPPINGS, PROD, SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { auditRows } from '../support/login-app.js';

const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;
const MIN = 60_000;

/** alice (aws-dev) is eligible for prod Admin; bob (aws-admin) approves; bob also administers rolegate. */
const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: ADMIN,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h', ticketPattern: 'OPS-[0-9]{1,6}' },
};

interface RequestView {
  id: string;
  state: string;
  endsAt?: string;
  approvals: { approverId: string }[];
  [key: string]: unknown;
}

/** One clock for every instance, moved by the test (never by sleeping). */
function testClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

describe('just-in-time access', () => {
  const clock = testClock();
  let world: ExchangeWorld;
  let alice: SignedIn;
  let bob: SignedIn;
  let carol: SignedIn;
  let second: Awaited<ReturnType<typeof startSecondInstance>>;
  let aliceToken: string;

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  const json = async <T = Record<string, unknown>>(res: Response) => ({ status: res.status, body: (await res.json()) as T });
  const accessRequestsOf = (deps: { accessRequests?: AccessRequestDeps }) => {
    if (!deps.accessRequests) throw new Error('no access requests wired');
    return deps.accessRequests;
  };
  const credentials = (who: SignedIn, body: Record<string, unknown> = { accountId: PROD, role: 'Admin' }) =>
    who.api('/api/v1/credentials', { method: 'POST', body });
  const request = (body: Record<string, unknown>) =>
    alice.api('/api/v1/access-requests', {
      method: 'POST',
      body: { alias: 'prod', role: 'Admin', duration: '20m', reason: 'rotate the prod database password', ticket: 'OPS-17', ...body },
    });
  const decide = (who: SignedIn, id: string, action: 'approve' | 'deny' | 'cancel', body: Record<string, unknown> = {}) =>
    who.api(`/api/v1/access-requests/${id}/${action}`, { method: 'POST', body });
  const onSecond = (path: string, body: unknown) =>
    fetch(`${second.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    world = await startExchangeWorld({ ROLEGATE_ACCESS_REQUEST_TTL_SECONDS: '600' }, [...DEMO_MAPPINGS, ELIGIBLE_ADMIN], { clock });
    [alice, bob, carol] = await Promise.all([world.signIn('alice'), world.signIn('bob'), world.signIn('carol')]);
    aliceToken = String((await cliTokensFor({ url: world.app.url } as CliBroker, alice.browser)).access_token);
    second = await startSecondInstance(world.app.t, (config) => config, { clock });
  }, 90_000);
  afterAll(async () => {
    await second.close();
    await world.close();
  });

  it('when alice is only eligible, then the role is listed as requestable and every surface refuses it with grant_required', async () => {
    const roles = await json<{ accounts: { alias: string; roles: { name: string }[]; eligible: Record<string, unknown>[] }[] }>(
      await alice.api('/api/v1/roles'),
    );
    const prod = roles.body.accounts.find((a) => a.alias === 'prod');
    expect(prod?.roles.map((r) => r.name)).not.toContain('Admin');
    expect(prod?.eligible).toEqual([
      expect.objectContaining({
        name: 'Admin',
        arn: ADMIN,
        maxGrantSeconds: 4 * 3600,
        approvalsNeeded: 1,
        reasonRequired: true,
        ticketPattern: 'OPS-[0-9]{1,6}',
        approverGroups: ['aws-admin'],
        viaGroups: ['aws-dev'],
      }),
    ]);

    const refused = await json(await credentials(alice));
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'role_not_entitled', reason: 'grant_required', maxGrantSeconds: 4 * 3600 });
    expect(String(refused.body.detail)).toContain('rolegate request --account prod --role Admin');

    const console = await json(await alice.api('/api/v1/console-url', { method: 'POST', body: { accountId: PROD, role: 'Admin' } }));
    expect(console.status).toBe(403);
    expect(console.body.reason).toBe('grant_required');
    // The CLI's bearer token, on the other instance: the same refusal.
    const cli = await json(await onSecond('/api/v1/credentials', { accountId: PROD, role: 'Admin' }));
    expect(cli.status).toBe(403);
    expect(cli.body.reason).toBe('grant_required');
  });

  it.each([
    ['a duration above maxGrant', { duration: '5h' }, 400, 'duration_above_max_grant', /maximum grant of 4h \(14400 s\)/],
    ['a duration under the shortest AWS session', { duration: 600 }, 400, 'invalid_duration', /at least 15m/],
    ['no reason', { reason: undefined }, 400, 'reason_required', /needs a reason/],
    ['a reason too short to say anything', { reason: 'pls' }, 400, 'reason_required', /needs a reason/],
    ['no ticket', { ticket: undefined }, 400, 'ticket_invalid', /needs a ticket id matching OPS-\[0-9\]\{1,6\}/],
    ['a ticket not matching the pattern', { ticket: 'JIRA-1' }, 400, 'ticket_invalid', /"JIRA-1" does not/],
    ['a ticket matching only in part', { ticket: 'xOPS-1' }, 400, 'ticket_invalid', /does not/],
    ['a role she is not eligible for', { role: 'BreakGlass' }, 403, 'not_eligible', /neither entitled nor eligible/],
    ['a role she has standing access to', { alias: 'sandbox', role: 'Developer' }, 409, 'already_entitled', /standing access/],
    ['a role that does not exist', { role: 'Nope' }, 404, 'unknown_role', /no role "Nope"/],
  ])('when alice requests with %s, then it is refused precisely', async (_name, change, status, reason, detail) => {
    const res = await json(await request(change));
    expect(res.status).toBe(status);
    expect(res.body.reason).toBe(reason);
    expect(String(res.body.detail)).toMatch(detail);
  });

  it('when a state-changing call comes without the CSRF token, then it is refused', async () => {
    const res = await alice.browser.request(`${world.app.url}/api/v1/access-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ alias: 'prod', role: 'Admin', duration: '1h', reason: 'rotate the prod database password', ticket: 'OPS-1' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/CSRF/);
  });

  it('when bob approves and the grant is revoked, then alice gets credentials that end with the grant, then none on either instance', async () => {
    const created = await json<RequestView>(await request({ duration: '20m' }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ state: 'pending', requester: { id: 'demo:alice' }, approvalsNeeded: 1, ticket: 'OPS-17' });
    // A second open request for the same role is refused.
    expect((await json(await request({}))).body.reason).toBe('request_open');

    // bob's inbox shows it; alice cannot approve her own; carol may not even see it.
    const inbox = await json<{ requests: RequestView[] }>(await bob.api('/api/v1/access-requests?view=to-approve'));
    expect(inbox.body.requests.map((r) => r.id)).toContain(id);
    const self = await json(await decide(alice, id, 'approve'));
    expect(self.status).toBe(403);
    expect(self.body.reason).toBe('self_approval');
    expect((await carol.api(`/api/v1/access-requests/${id}`)).status).toBe(404);
    expect((await decide(carol, id, 'approve')).status).toBe(404);

    const approved = await json<RequestView>(await decide(bob, id, 'approve', { comment: 'go ahead' }));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'active', approvals: [{ approverId: 'demo:bob', comment: 'go ahead' }] });
    const endsAt = Date.parse(String(approved.body.endsAt));
    expect(endsAt).toBeGreaterThan(clock.now() + 19 * MIN);
    const twice = await json(await decide(bob, id, 'approve'));
    expect(twice.status).toBe(409);

    // Credentials through the grant: STS duration clamped to the grant's end, and the answer says so.
    const issued = await json<{ credentials: { expiration: string }; durationSeconds: number; notes: string[]; cached: boolean }>(
      await credentials(alice),
    );
    expect(issued.status).toBe(200);
    expect(Date.parse(issued.body.credentials.expiration)).toBeLessThanOrEqual(endsAt);
    expect(issued.body.durationSeconds).toBeLessThanOrEqual(20 * 60);
    expect(issued.body.notes.join(' ')).toMatch(new RegExp(`access grant ${id} ends at`));
    expect((await json<{ cached: boolean }>(await credentials(alice))).body.cached).toBe(true);
    // The other instance learnt of the grant (pub/sub), and the roles list shows it.
    expect((await onSecond('/api/v1/credentials', { accountId: PROD, role: 'Admin' })).status).toBe(200);
    const roles = await json<{ accounts: { alias: string; roles: { name: string; grant?: { id: string } }[] }[] }>(
      await alice.api('/api/v1/roles'),
    );
    expect(roles.body.accounts.find((a) => a.alias === 'prod')?.roles.find((r) => r.name === 'Admin')?.grant?.id).toBe(id);

    // bob, as administrator, revokes: refused at once on both instances, the cached credentials dropped.
    const revoked = await json<RequestView>(
      await bob.api(`/api/v1/admin/access-requests/${id}/revoke`, { method: 'POST', body: { reason: 'change window closed' } }),
    );
    expect(revoked.body).toMatchObject({ state: 'revoked', endedBy: 'demo:bob', endReason: 'change window closed' });
    expect((await json(await credentials(alice))).body.reason).toBe('grant_required');
    await expect
      .poll(async () => (await json(await onSecond('/api/v1/credentials', { accountId: PROD, role: 'Admin' }))).body.reason)
      .toBe('grant_required');
    const ended = (await auditRows(world.app.t, 'access_grant.end')).find(
      (row) => (row.details as { accessRequestId?: string }).accessRequestId === id,
    );
    expect(ended?.details).toMatchObject({ end: 'revoked', why: 'change window closed', from: 'active' });
    expect(ended).toMatchObject({ subject: 'demo:bob', roleArn: ADMIN, accountId: PROD });
    // The purge follows the committed end, and says what it dropped.
    const purged = (await auditRows(world.app.t, 'access_grant.purge')).find(
      (row) => (row.details as { accessRequestId?: string }).accessRequestId === id,
    );
    expect(purged?.details).toMatchObject({ end: 'revoked', cachedCredentialsDropped: 1 });
  });

  it('when two decisions on one request arrive at once, then exactly one is made', async () => {
    const created = await json<RequestView>(await request({}));
    const results = await Promise.all([decide(bob, created.body.id, 'approve'), decide(bob, created.body.id, 'deny', { comment: 'no' })]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const final = await json<RequestView>(await alice.api(`/api/v1/access-requests/${created.body.id}`));
    expect(['active', 'denied']).toContain(final.body.state);
    if (final.body.state === 'active') expect((await json(await decide(alice, created.body.id, 'cancel'))).body.state).toBe('cancelled');
  });

  it('when bob left the approver groups since the request, then his approval is refused', async () => {
    const created = await json<RequestView>(await request({}));
    const prisma = world.app.t.deps.database.prisma;
    const approval = { approverGroups: ['sre-leads'], approvals: 1, maxGrant: '4h', reasonRequired: true, ticketPattern: 'OPS-[0-9]{1,6}' };
    await prisma.groupMapping.updateMany({ where: { access: 'eligible' }, data: { approval: { ...approval, autoApproveGroups: [] } } });
    await world.app.t.deps.credentials.accessModel.reload();
    try {
      const refused = await json(await decide(bob, created.body.id, 'approve'));
      expect(refused.status).toBe(403);
      expect(refused.body.reason).toBe('not_an_approver');
      expect(String(refused.body.detail)).toContain('sre-leads');
    } finally {
      await prisma.groupMapping.updateMany({
        where: { access: 'eligible' },
        data: { approval: { ...approval, approverGroups: ['aws-admin'], autoApproveGroups: [] } },
      });
      await world.app.t.deps.credentials.accessModel.reload();
      await decide(alice, created.body.id, 'cancel');
    }
  });

  it('when the grant runs out, then credentials are refused at once, near the end as too short, and the grant is recorded as expired', async () => {
    const created = await json<RequestView>(await request({ duration: '30m' }));
    const approved = await json<RequestView>(await decide(bob, created.body.id, 'approve'));
    const endsAt = Date.parse(String(approved.body.endsAt));
    const first = await json<{ credentials: { expiration: string } }>(await credentials(alice));
    expect(first.status).toBe(200);
    expect(Date.parse(first.body.credentials.expiration)).toBeLessThanOrEqual(endsAt);

    // Her standing access is another matter: cached apart, untouched by the grant.
    expect((await credentials(alice, { accountId: SANDBOX, role: 'Developer' })).status).toBe(200);

    // 20 minutes on, 10 are left: less than an AWS session, so none is issued (it would outlive the grant).
    clock.advance(20 * MIN);
    const ending = await json(await credentials(alice));
    expect(ending.status).toBe(403);
    expect(ending.body.reason).toBe('grant_ending');

    clock.advance(11 * MIN);
    expect((await json(await credentials(alice))).body.reason).toBe('grant_required');
    // The CLI's access token has expired by now (same clock): alice's portal session asks the other instance.
    const onSecondBySession = await alice.browser.request(`${second.url}/api/v1/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': alice.csrfToken },
      body: JSON.stringify({ accountId: PROD, role: 'Admin' }),
    });
    expect((await json(onSecondBySession)).body.reason).toBe('grant_required');
    // What time moved is recorded once, whichever instance moves it.
    await Promise.all([advanceAccessRequests(accessRequestsOf(world.app.t.deps)), advanceAccessRequests(accessRequestsOf(second.deps))]);
    expect((await json<RequestView>(await alice.api(`/api/v1/access-requests/${created.body.id}`))).body).toMatchObject({
      state: 'expired',
      endReason: 'expired',
    });
    expect((await json<{ cached: boolean }>(await credentials(alice, { accountId: SANDBOX, role: 'Developer' }))).body.cached).toBe(true);
    const ends = (await auditRows(world.app.t, 'access_grant.end')).filter(
      (row) => (row.details as { accessRequestId?: string }).accessRequestId === created.body.id,
    );
    expect(ends).toHaveLength(1);
    expect(ends[0]?.subject).toBe('rolegate:system');
    expect(ends[0]?.details).toMatchObject({ end: 'expired' });
  });

  it('when a request is answered after it expired, then it is refused with 409', async () => {
    const created = await json<RequestView>(await request({}));
    clock.advance(11 * MIN);
    const late = await json(await decide(bob, created.body.id, 'approve'));
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe('request_expired');
    expect((await json<RequestView>(await alice.api(`/api/v1/access-requests/${created.body.id}`))).body.state).toBe('expired_unanswered');
  });

  it('when an administrator lists requests, then every state is there, filterable', async () => {
    const all = await json<{ requests: RequestView[] }>(
      await bob.api('/api/v1/admin/access-requests?user=demo:alice&state=expired,revoked'),
    );
    expect(all.status).toBe(200);
    expect(new Set(all.body.requests.map((r) => r.state))).toEqual(new Set(['expired', 'revoked']));
    expect((await alice.api('/api/v1/admin/access-requests')).status).toBe(403);
    const mine = await json<{ requests: RequestView[] }>(await alice.api('/api/v1/access-requests'));
    expect(mine.body.requests.length).toBeGreaterThanOrEqual(5);
  });
});

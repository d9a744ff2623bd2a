import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import { stsClient } from '../support/devstack.js';
import { auditRows } from '../support/login-app.js';
import { DEMO_MAPPINGS, PROD, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: `arn:aws:iam::${PROD}:role/Admin`,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h' },
};
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Each break-glass use and each grant opens its own STS session, named after it, against the devstack STS. */
describe('one STS session per break-glass use and per grant', () => {
  let world: ExchangeWorld;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    world = await startExchangeWorld({}, [...DEMO_MAPPINGS, ELIGIBLE_ADMIN]);
    [alice, bob] = await Promise.all([world.signIn('alice'), world.signIn('bob')]);
  }, 90_000);
  afterAll(async () => {
    await world.close();
  });

  const credentials = async (who: SignedIn, body: Record<string, unknown>) => {
    const res = await who.api('/api/v1/credentials', { method: 'POST', body });
    expect(res.status).toBe(200);
    return (await res.json()) as CredentialsResponse;
  };
  const callerArn = async (c: CredentialsResponse['credentials']) =>
    (
      await stsClient(world.devstack.stsUrl, {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
      }).send(new GetCallerIdentityCommand({}))
    ).Arn;
  const grantFor = async (reason: string) => {
    const created = await alice.api('/api/v1/access-requests', {
      method: 'POST',
      body: { alias: 'prod', role: 'Admin', duration: '1h', reason },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await bob.api(`/api/v1/access-requests/${id}/approve`, { method: 'POST', body: {} })).status).toBe(200);
    return id;
  };

  it('when bob uses the break-glass role twice with two justifications, then two STS sessions open, each named after its audited use', async () => {
    const first = await credentials(bob, { alias: 'prod', role: 'BreakGlass', justification: 'prod is down, INC-4242' });
    const second = await credentials(bob, { alias: 'prod', role: 'BreakGlass', justification: 'still down, INC-4243' });
    expect(second.cached).toBe(false);
    expect(second.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(first.sessionName).toMatch(new RegExp(`^bob\\.bg-${UUID}$`));
    expect(second.sessionName).toMatch(new RegExp(`^bob\\.bg-${UUID}$`));
    expect(second.sessionName).not.toBe(first.sessionName);
    // What CloudTrail would show: the session name is the last part of the assumed-role ARN.
    expect(await callerArn(first.credentials)).toBe(`arn:aws:sts::${PROD}:assumed-role/BreakGlass/${first.sessionName}`);
    expect(await callerArn(second.credentials)).toBe(`arn:aws:sts::${PROD}:assumed-role/BreakGlass/${second.sessionName}`);

    // Each use's audit row names its use id and justification; the session name carries the same id.
    const uses = (await auditRows(world.app.t, 'credentials.issue'))
      .map((row) => row.details as { breakGlassUseId?: string; justification?: string; sessionName?: string })
      .filter((d) => d.breakGlassUseId !== undefined);
    expect(uses.map((d) => [d.justification, d.sessionName])).toEqual([
      ['prod is down, INC-4242', first.sessionName],
      ['still down, INC-4243', second.sessionName],
    ]);
    for (const d of uses) expect(d.sessionName).toBe(`bob.bg-${String(d.breakGlassUseId)}`);
  });

  it('when alice uses one grant twice, then the second answer is the cached session; a second grant opens a session of its own', async () => {
    const grant = await grantFor('rotate the prod database password');
    const first = await credentials(alice, { alias: 'prod', role: 'Admin' });
    const again = await credentials(alice, { alias: 'prod', role: 'Admin' });
    expect(first.sessionName).toBe(`alice.g-${grant}`);
    expect(await callerArn(first.credentials)).toBe(`arn:aws:sts::${PROD}:assumed-role/Admin/alice.g-${grant}`);
    expect(again.cached).toBe(true);
    expect(again.credentials.accessKeyId).toBe(first.credentials.accessKeyId);

    expect((await alice.api(`/api/v1/access-requests/${grant}/cancel`, { method: 'POST', body: {} })).status).toBe(200);
    const next = await grantFor('rotate the prod database password again');
    const other = await credentials(alice, { alias: 'prod', role: 'Admin' });
    expect(other.cached).toBe(false);
    expect(other.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(other.sessionName).toBe(`alice.g-${next}`);
    const exchanges = (await auditRows(world.app.t, 'sts.exchange')).filter((row) => row.roleArn === ELIGIBLE_ADMIN.role);
    expect(exchanges.map((row) => (row.details as { accessRequestId?: string }).accessRequestId)).toEqual([grant, next]);
  });
});

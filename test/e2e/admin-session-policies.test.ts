import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';

const demoFile = readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8');
const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

/** The demo file with session policies on alice's Developer mapping. */
const narrowed = demoFile.replace(
  /( {2}- group: aws-dev\n {4}role: arn:aws:iam::111111111111:role\/Developer\n)/,
  `$1    sessionPolicy:\n      Version: '2012-10-17'\n      Statement:\n        - Effect: Allow\n          Action: s3:GetObject\n          Resource: '*'\n` +
    `    sessionPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n    sessionPolicyDescription: read-only use of Developer\n`,
);

describe('session policies through the admin API', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;
  const apply = (yaml: string) => bob.api('/api/v1/admin/access/apply', { method: 'POST', body: { yaml, source: 'access.yaml' } });

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when a file with session policies is applied, exported and applied again, then the second apply changes nothing', async () => {
    expect(narrowed).not.toBe(demoFile);
    const first = await apply(narrowed);
    expect(first.status).toBe(200);
    const exported = await (await bob.api('/api/v1/admin/access/export')).text();
    expect(exported).toContain('sessionPolicyDescription: read-only use of Developer');
    const again = (await (await apply(exported)).json()) as { summary: { add: number; change: number; remove: number } };
    expect(again.summary).toEqual({ add: 0, change: 0, remove: 0 });

    const mappings = (await (await bob.api('/api/v1/admin/mappings')).json()) as { mappings: Record<string, unknown>[] };
    expect(mappings.mappings.find((m) => m.role === `arn:aws:iam::${SANDBOX}:role/Developer`)).toMatchObject({
      sessionPolicy: POLICY,
      sessionPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      sessionPolicyDescription: 'read-only use of Developer',
    });
    const roles = (await (await alice.api('/api/v1/roles')).json()) as { accounts: { id: string; roles: { name: string; sessionPolicy?: string }[] }[] };
    expect(roles.accounts.find((a) => a.id === SANDBOX)?.roles.find((r) => r.name === 'Developer')?.sessionPolicy).toBe(
      'read-only use of Developer',
    );
  });

  it('when a mapping is created with a policy ARN of another partition, then it is refused, not stored', async () => {
    const res = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: { group: 'x', role: `arn:aws:iam::${SANDBOX}:role/ReadOnly`, sessionPolicyArns: ['arn:aws-cn:iam::aws:policy/ReadOnlyAccess'] },
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/partition aws-cn/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';
import { waitFor } from '../support/wait.js';

/** The value of one sample (`name{a="b",…}`), labels matched in any order; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return 0;
}

describe('metrics', () => {
  let world: ExchangeWorld;
  beforeAll(async () => {
    world = await startAdminWorld();
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });
  const scrape = async () => {
    const res = await fetch(`${world.app.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it('when traffic flows, then logins, issuance, cache lookups, STS latency and errors, and active portal and CLI sessions move', async () => {
    const before = await scrape();
    const alice = await world.signIn('alice');
    const bob = await world.signIn('bob');
    const ask = (user: typeof alice, accountId: string, role: string) =>
      user.api('/api/v1/credentials', { method: 'POST', body: { accountId, role } });
    expect((await ask(alice, SANDBOX, 'Developer')).status).toBe(200);
    expect((await ask(alice, SANDBOX, 'Developer')).status).toBe(200);
    expect((await ask(alice, PROD, 'Admin')).status).toBe(403);
    await signedInCliHome(world, alice);

    // An ExternalId the role's trust policy does not accept: STS refuses (AccessDenied).
    const roles = (await (await bob.api('/api/v1/admin/roles')).json()) as { roles: { id: string; arn: string; version: number }[] };
    const target = roles.roles.find((r) => r.arn.endsWith(':role/BrokerReadOnly'));
    const { id: _id, version, ...fields } = target as Record<string, unknown> & { version: number };
    const put = await bob.api(`/api/v1/admin/roles/${String(target?.id)}`, {
      method: 'PUT',
      headers: { 'if-match': `"${String(version)}"` },
      body: { ...fields, externalId: 'not-the-right-one' },
    });
    expect(put.status).toBe(200);
    expect((await ask(alice, PROD, 'BrokerReadOnly')).status).toBe(403);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('rolegate_logins_total', { idp: 'demo', outcome: 'success' })).toBe(2);
    expect(delta('rolegate_credentials_issued_total', { mode: 'saml', outcome: 'success', source: 'sts' })).toBe(1);
    expect(delta('rolegate_credentials_issued_total', { mode: 'saml', outcome: 'success', source: 'cache' })).toBe(1);
    expect(delta('rolegate_credentials_issued_total', { mode: 'saml', outcome: 'denied', source: 'none' })).toBe(1);
    expect(delta('rolegate_credential_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(delta('rolegate_credential_cache_lookups_total', { result: 'miss' })).toBeGreaterThanOrEqual(2);
    expect(delta('rolegate_sts_request_duration_seconds_count', { action: 'AssumeRoleWithSAML', outcome: 'success' })).toBe(1);
    expect(delta('rolegate_sts_errors_total', { action: 'AssumeRole', code: 'AccessDenied' })).toBe(1);
    expect(sample(after, 'rolegate_active_sessions', { kind: 'cli' })).toBe(1);
    expect(sample(after, 'rolegate_active_sessions', { kind: 'portal' })).toBe(2);
    expect((await alice.api('/auth/logout', { method: 'POST' })).status).toBeLessThan(400);
    expect(sample(await scrape(), 'rolegate_active_sessions', { kind: 'portal' })).toBe(1);
    expect(after).toContain('rolegate_singleflight_waiting');
  });

  it('when alice lists her roles twice and an admin then edits one, then the second answer is reused and the edit is seen at once after the reload', async () => {
    const alice = await world.signIn('alice');
    const bob = await world.signIn('bob');
    const before = await scrape();
    const reused = () => sample(before, 'rolegate_roles_answers_total', { result: 'reused' });
    const list = async () => {
      const res = await alice.api('/api/v1/roles');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      return (await res.json()) as { accounts: { roles: { name: string; description: string }[] }[] };
    };
    const first = await list();
    expect(await list()).toEqual(first);
    const middle = await scrape();
    expect(sample(middle, 'rolegate_roles_answers_total', { result: 'reused' }) - reused()).toBe(1);
    expect(sample(middle, 'rolegate_roles_answers_bytes')).toBeGreaterThan(0);
    expect(sample(middle, 'rolegate_access_model_bytes')).toBeGreaterThan(4_000);

    const roles = (await (await bob.api('/api/v1/admin/roles')).json()) as { roles: { id: string; arn: string; version: number }[] };
    const target = roles.roles.find((r) => r.arn === `arn:aws:iam::${SANDBOX}:role/Developer`);
    const { id: _id, version, ...fields } = target as Record<string, unknown> & { version: number };
    const put = await bob.api(`/api/v1/admin/roles/${String(target?.id)}`, {
      method: 'PUT',
      headers: { 'if-match': `"${String(version)}"` },
      body: { ...fields, description: 'Developer, described anew' },
    });
    expect(put.status).toBe(200);
    await waitFor(async () => {
      const descriptions = (await list()).accounts.flatMap((a) => a.roles.map((r) => r.description));
      return descriptions.includes('Developer, described anew') ? true : undefined;
    }, 'the edited description in alice\'s roles');
  });
});

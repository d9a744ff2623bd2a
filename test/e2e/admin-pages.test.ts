import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';

describe('admin pages', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;

  const get = async (user: SignedIn, path: string) => {
    const res = await user.browser.request(`${world.app.url}${path}`, { headers: { accept: 'text/html' } });
    // Whitespace between and inside tags carries no meaning here; compare the markup without it.
    const body = (await res.text()).replace(/\s+/g, ' ').replace(/> /g, '>').replace(/ </g, '<');
    return { res, body };
  };

  beforeAll(async () => {
    world = await startAdminWorld();
    bob = await world.signIn('bob');
  }, 60_000);
  afterAll(async () => {
    await world.close();
  });

  it('when an admin opens mappings by role, then each role says who can take it and through which group, under a strict CSP', async () => {
    const { res, body } = await get(bob, '/admin/mappings?by=role');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(body).not.toMatch(/<script|style=|<style/);
    expect(body).toContain('<caption>Who can take Admin in prod, and through which group</caption>');
    expect(body).toMatch(/<td>aws-admin<\/td><td>MFA required<\/td>/);
    expect(body).toMatch(/<td>aws-admin<\/td><td>break-glass \(justification, audited\)<\/td>/);
    expect(body).toContain(`<code>arn:aws:iam::${PROD}:role/BrokerReadOnly</code>`);
  });

  it('when an admin opens mappings by group, then each group lists its roles; names are HTML-escaped', async () => {
    const created = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: { group: '<script>alert("x")</script>', role: `arn:aws:iam::${SANDBOX}:role/ReadOnly` },
    });
    expect(created.status).toBe(201);
    const { body } = await get(bob, '/admin/mappings');
    expect(body).toContain('<h2>aws-dev</h2>');
    expect(body).toContain('<caption>Roles that members of aws-dev may take</caption>');
    expect(body).toMatch(/<td>Developer in sandbox<\/td>/);
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(body).not.toContain('<script>alert');
  });

  it('when a mapping is eligible, then its conditions name the approval policy and the longest grant', async () => {
    const created = await bob.api('/api/v1/admin/mappings', {
      method: 'POST',
      body: {
        group: 'team-sre',
        role: `arn:aws:iam::${PROD}:role/Admin`,
        requireMfa: true,
        mfaMaxAgeSeconds: 900,
        access: 'eligible',
        approval: { approverGroups: ['sre-leads'], approvals: 2, maxGrant: '4h' },
      },
    });
    expect(created.status).toBe(201);
    const { body } = await get(bob, '/admin/mappings?by=role');
    expect(body).toMatch(/<td>team-sre<\/td><td>eligible: two approvals by sre-leads, grants ≤ 4h; MFA within 900 s<\/td>/);
  });

  it('when an admin filters the audit log, then only matching events show, with a link to older ones', async () => {
    const alice = await world.signIn('alice');
    for (const role of ['Developer', 'ReadOnly', 'BrokerDeveloper'])
      expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role } })).status).toBe(200);
    const { res, body } = await get(bob, '/admin/audit?user=demo%3Aalice&type=credentials.issue&outcome=&limit=2');
    expect(res.status).toBe(200);
    expect(body).toContain('<label for="f-user">User</label>');
    expect(body).toContain('value="demo:alice"');
    const rows = body.match(/<td>credentials\.issue<\/td>/g) ?? [];
    expect(rows).toHaveLength(2);
    expect(body).not.toContain('<td>demo:bob</td>');
    const older = /<a href="([^"]+)" rel="next">Older events<\/a>/.exec(body)?.[1]?.replace(/&amp;/g, '&');
    expect(older).toBeDefined();
    const next = await get(bob, older ?? '');
    expect(next.body.match(/<td>credentials\.issue<\/td>/g)).toHaveLength(1);
    expect(next.body).toContain(`<code>arn:aws:iam::${SANDBOX}:role/Developer</code>`);
  });

  it('when nobody is signed in, then the pages send the browser to sign in; a non-admin gets a 403 page', async () => {
    const anonymous = await new Browser().request(`${world.app.url}/admin/audit`, { headers: { accept: 'text/html' } });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login?returnTo=%2Fadmin%2Faudit');
    const carol = await world.signIn('carol');
    const { res, body } = await get(carol, '/admin/mappings');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toContain('rolegate-admins');
  });
});

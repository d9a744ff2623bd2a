import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInCliHome, startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';

const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;

/** The admin revocation pages over real HTTP: bob is an admin, carol is not (docs/admin.md#revoking-from-the-admin-pages). */
describe('the /admin/revocations pages', () => {
  let world: ExchangeWorld;
  let bob: SignedIn;
  let alice: SignedIn;

  const page = (who: SignedIn, path: string) => who.browser.request(`${world.app.url}${path}`, { headers: { accept: 'text/html' } });
  const post = (who: SignedIn, form: Record<string, string>) =>
    who.browser.request(`${world.app.url}/admin/revocations`, {
      method: 'POST',
      form,
      headers: { accept: 'text/html', origin: world.app.url },
    });
  const alertOf = (body: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];

  beforeAll(async () => {
    world = await startAdminWorld();
    [bob, alice] = await Promise.all([world.signIn('bob'), world.signIn('alice')]);
    const res = await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } });
    expect(res.status).toBe(200);
    await signedInCliHome(world, alice);
  }, 90_000);
  afterAll(async () => {
    await world.close();
  });

  it('when a non-admin opens or posts the page, then the answer is 403 and nothing is revoked', async () => {
    const carol = await world.signIn('carol');
    expect((await page(carol, '/admin/revocations')).status).toBe(403);
    expect((await page(carol, '/admin/revocations/confirm?user=demo:alice')).status).toBe(403);
    const posted = await post(carol, { _csrf: carol.csrfToken, user: 'demo:alice', reason: 'not mine to revoke' });
    expect(posted.status).toBe(403);
    // alice is an auditor here: she may read the page, not revoke.
    expect((await page(alice, '/admin/revocations')).status).toBe(200);
    expect((await post(alice, { _csrf: alice.csrfToken, user: 'demo:carol', reason: 'auditors only read' })).status).toBe(403);
    expect((await carol.api('/api/v1/me')).status).toBe(200);
    expect((await alice.api('/api/v1/me')).status).toBe(200);
  });

  it('when the revocation is posted without the CSRF token (or a wrong one), then the answer is 403 and alice keeps her session', async () => {
    expect((await post(bob, { user: 'demo:alice', reason: 'forged request' })).status).toBe(403);
    expect((await post(bob, { _csrf: 'x'.repeat(43), user: 'demo:alice', reason: 'forged request' })).status).toBe(403);
    expect((await alice.api('/api/v1/me')).status).toBe(200);
  });

  it.each([
    ['nothing named', '/admin/revocations/confirm', 400, /Name either a user, or an account and a role/],
    ['a user and a role', `/admin/revocations/confirm?user=demo:alice&account=sandbox&role=Developer`, 400, /Name either/],
    ['an unknown username', '/admin/revocations/confirm?user=nobody-here', 400, /Nobody signed in as nobody-here/],
    ['a role without its account', '/admin/revocations/confirm?role=Developer', 400, /needs both the account and the role/],
    [
      'a role not in the access model',
      '/admin/revocations/confirm?account=sandbox&role=NoSuchRole',
      404,
      /No role NoSuchRole in account sandbox/,
    ],
    ['a malformed role ARN', '/admin/revocations/confirm?account=sandbox&role=arn:aws:iam::1:role', 400, /roleArn: /],
    ['repeated fields', '/admin/revocations/confirm?user=a&user=b', 400, /Each form field once, as text of at most 2048 characters/],
  ])('when the form names %s, then the form page comes back with the 4xx and says why', async (_what, path, status, message) => {
    const res = await page(bob, path);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await res.text();
    expect(alertOf(body)).toMatch(message);
    expect(body).toContain('<h1>Revocations</h1>');
  });

  it.each([
    ['no reason', { user: 'demo:alice', reason: '' }, /Reason: .*reason/],
    ['a one-letter reason', { user: 'demo:alice', reason: 'x' }, /Reason: .*reason/],
    ['a user that is not a principal id', { user: 'alice', reason: 'left the company' }, /user must be a principal id/],
    ['neither user nor role', { reason: 'left the company' }, /send exactly one of user or roleArn/],
    ['a role not in the access model', { roleArn: `arn:aws:iam::${SANDBOX}:role/Gone`, reason: 'compromised' }, /No role/],
  ])('when the revocation is posted with %s, then it is a 4xx page that says why and nothing is revoked', async (_what, form, message) => {
    const res = await post(bob, { _csrf: bob.csrfToken, ...form });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(alertOf(await res.text())).toMatch(message);
    expect((await alice.api('/api/v1/me')).status).toBe(200);
  });

  it('when bob reviews revoking alice by username, then the confirmation shows her live session, CLI grants and the role that needs the Deny by hand', async () => {
    const res = await page(bob, '/admin/revocations/confirm?user=alice');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<h1>Revoke user demo:alice?</h1>');
    expect(body).toMatch(/<li>[1-9]\d* live portal session\(s\)<\/li>/);
    expect(body).toContain('<li>1 CLI session(s) (grants)</li>');
    expect(body).toContain('You attach the Deny by hand (account without a revoker)');
    expect(body).toContain(`<li><code>${DEVELOPER}</code></li>`);
    expect(body).toContain('A job attaches the Deny (account with a revoker): none.');
    // The preview changed nothing.
    expect((await alice.api('/api/v1/me')).status).toBe(200);
  });

  it('when the preview API is asked about alice, then it answers what the page shows and changes nothing; a bad query is 400', async () => {
    const res = await bob.api('/api/v1/admin/revocations/preview?user=demo:alice');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      user: 'demo:alice',
      sourceIdentity: 'alice',
      liveCliGrants: 1,
      affectedRoleArns: [DEVELOPER],
      aws: { queuedRoleArns: [], byHandRoleArns: [DEVELOPER] },
      policy: { Statement: [{ Effect: 'Deny' }] },
    });
    expect((await bob.api('/api/v1/admin/revocations/preview')).status).toBe(400);
    expect((await bob.api('/api/v1/admin/revocations/preview?user=alice')).status).toBe(400);
    expect((await bob.api(`/api/v1/admin/revocations/preview?roleArn=arn:aws:iam::${SANDBOX}:role/Gone`)).status).toBe(404);
    // An auditor may preview (it is a read).
    expect((await alice.api('/api/v1/admin/revocations/preview?user=demo:carol')).status).toBe(200);
    expect((await alice.api('/api/v1/me')).status).toBe(200);
  });

  it('when bob reviews revoking a role by account alias and name, then the confirmation names its ARN', async () => {
    const body = await (await page(bob, '/admin/revocations/confirm?account=sandbox&role=developer')).text();
    expect(body).toContain(`<h1>Revoke role ${DEVELOPER}?</h1>`);
    expect(body).toContain(`name="roleArn" value="${DEVELOPER}"`);
  });

  it('when bob confirms with a reason, then alice is cut off, the result shows the Deny policy and the by-hand list, and the audit row has the reason', async () => {
    const res = await post(bob, { _csrf: bob.csrfToken, user: 'demo:alice', reason: 'laptop stolen' });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<h1>Revoked user demo:alice</h1>');
    expect(body).toContain('&quot;aws:SourceIdentity&quot;: &quot;alice&quot;');
    expect(body).toContain('&quot;Effect&quot;: &quot;Deny&quot;');
    expect(body).toContain('<li>1 CLI session(s) revoked</li>');
    expect(body).toMatch(/<ul aria-label="Attach this policy by hand">\s*<li><code>arn:aws:iam::\d{12}:role\/Developer<\/code><\/li>/);
    expect((await alice.api('/api/v1/me')).status).toBe(401);
    const audit = (await (await bob.api('/api/v1/admin/audit?type=admin.revoke.&limit=5')).json()) as {
      events: { type: string; reason?: string }[];
    };
    expect(audit.events.map((e) => [e.type, e.reason])).toEqual(
      expect.arrayContaining([
        ['admin.revoke.user', 'laptop stolen'],
        ['admin.revoke.user.start', 'laptop stolen'],
      ]),
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formAction, type Browser } from '../support/browser.js';
import {
  DEMO_MAPPINGS,
  PROD,
  signInThroughDemoIdp,
  startExchangeWorld,
  type ExchangeWorld,
  type SignedIn,
} from '../support/exchange-world.js';

const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;

/** alice (aws-dev) may request prod Admin; bob (aws-admin) approves — with a recent MFA sign-in. */
const ELIGIBLE_ADMIN = {
  group: 'aws-dev',
  role: ADMIN,
  access: 'eligible' as const,
  approval: { approverGroups: ['aws-admin'], maxGrant: '4h', reasonRequired: false, approverMfaMaxAge: '30m' },
};

/** bob's prod ReadOnly needs an MFA sign-in of at most 10 minutes. */
const FRESH_MFA_READONLY = { group: 'aws-admin', role: `arn:aws:iam::${PROD}:role/ReadOnly`, requireMfa: true, mfaMaxAgeSeconds: 600 };

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
const json = async <T = Record<string, unknown>>(res: Response) => ({ status: res.status, body: (await res.json()) as T });

describe('step-up sign-in (OIDC, the demo IdP on loopback)', () => {
  let world: ExchangeWorld;
  let alice: SignedIn;
  // One clock for rolegate, moved by the last test only (never by sleeping).
  let offset = 0;
  const clock = { now: () => Date.now() + offset };

  /** A JSON call as this browser's current session (the CSRF token is read again: a step-up makes a new session). */
  const call = async (browser: Browser, path: string, body?: Record<string, unknown>) => {
    const me = await browser.request(`${world.app.url}/api/v1/me`);
    const { csrfToken } = (await me.json()) as { csrfToken: string };
    return browser.request(`${world.app.url}${path}`, {
      ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
    });
  };
  const whoIs = async (browser: Browser) =>
    (await json<{ principal?: { id: string }; id?: string; authn?: { mfa: boolean } }>(await browser.request(`${world.app.url}/api/v1/me`)))
      .body;
  let open: string | undefined;
  const pendingRequest = async () => {
    if (open !== undefined) await alice.api(`/api/v1/access-requests/${open}/cancel`, { method: 'POST', body: {} });
    const created = await json<{ id: string }>(
      await alice.api('/api/v1/access-requests', { method: 'POST', body: { alias: 'prod', role: 'Admin', duration: '20m' } }),
    );
    expect(created.status).toBe(201);
    open = created.body.id;
    return created.body.id;
  };
  /** Follows /login/step-up to the demo IdP's login page and signs in there as `user`. */
  const stepUp = async (browser: Browser, returnTo: string, user: string, factor: 'otp' | 'pwd') => {
    const toIdp = await browser.follow(`${world.app.url}/login/step-up?returnTo=${encodeURIComponent(returnTo)}`);
    const authorize = new URL(toIdp.url);
    const page = await toIdp.response.text();
    const action = formAction(page);
    if (!action) throw new Error(`the demo IdP did not ask for a new login:\n${page.slice(0, 300)}`);
    const stopAt = (url: string) => url.startsWith(world.app.url) && !url.includes('/auth/oidc/');
    let back = await browser.follow(new URL(action, toIdp.url).href, { method: 'POST', form: { user, factor }, stopAt });
    // Another person at the IdP: oidc-provider first ends its session there with a self-submitting form.
    const text = await back.response.clone().text();
    if (back.response.status === 200 && text.includes('Submitting Callback')) {
      const formTarget = /<form method="post" action="([^"]+)"/.exec(text)?.[1];
      const fields: Record<string, string> = {};
      for (const m of text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1] ?? ''] = m[2] ?? '';
      if (!formTarget) throw new Error('the IdP answered a form without a target');
      back = await browser.follow(formTarget, { method: 'POST', form: fields, stopAt });
    }
    return { authorize, back };
  };

  beforeAll(async () => {
    world = await startExchangeWorld({}, [...DEMO_MAPPINGS, ELIGIBLE_ADMIN, FRESH_MFA_READONLY], { clock });
    alice = await world.signIn('alice');
  }, 90_000);
  afterAll(async () => {
    await world.close();
  });

  it('when bob approves after a password-only sign-in, then 403 step_up_required says where to sign in again', async () => {
    const bob = await signInThroughDemoIdp(world.app.url, 'bob', 'pwd');
    const id = await pendingRequest();
    const refused = await json(
      await call(bob.browser, `/api/v1/access-requests/${id}/approve?returnTo=${encodeURIComponent(`/requests/${id}`)}`, {}),
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'step_up_required',
      reason: 'mfa_required',
      maxAgeSeconds: 1800,
      stepUpUrl: `/login/step-up?returnTo=${encodeURIComponent(`/requests/${id}`)}`,
    });
    // Nothing was approved.
    expect((await json(await alice.api(`/api/v1/access-requests/${id}`))).body).toMatchObject({ state: 'pending', approvals: [] });
  });

  it('when bob steps up with an MFA code, then he comes back to the page he left and the approval goes through', async () => {
    const bob = await signInThroughDemoIdp(world.app.url, 'bob', 'pwd');
    const id = await pendingRequest();
    const before = bob.browser.cookie('rolegate_session');
    expect(before).toBeDefined();
    const returnTo = `/requests/${id}?tab=approvals`;
    const { authorize, back } = await stepUp(bob.browser, returnTo, 'bob', 'otp');
    // The IdP was told to authenticate again.
    expect(authorize.pathname).toMatch(/interaction/);
    expect(back.url).toBe(`${world.app.url}${returnTo}`);
    // A new session replaced the old one (its id rotates with the principal).
    expect(bob.browser.cookie('rolegate_session')).not.toBe(before);
    expect((await fetch(`${world.app.url}/api/v1/me`, { headers: { cookie: `rolegate_session=${String(before)}` } })).status).toBe(401);
    const approved = await json(await call(bob.browser, `/api/v1/access-requests/${id}/approve`, {}));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'active', approvals: [{ approverId: 'demo:bob' }] });
  });

  it('when someone else signs in at the step-up, then it is refused and the session stays the one it was', async () => {
    const bob = await signInThroughDemoIdp(world.app.url, 'bob', 'pwd');
    const before = await whoIs(bob.browser);
    const { back } = await stepUp(bob.browser, '/', 'alice', 'otp');
    expect(back.response.status).toBe(403);
    expect(await back.response.text()).toMatch(/another user/);
    const after = await whoIs(bob.browser);
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).toContain('demo:bob');
    // Still not strong enough to approve.
    const id = await pendingRequest();
    expect((await json(await call(bob.browser, `/api/v1/access-requests/${id}/approve`, {}))).body.code).toBe('step_up_required');
  });

  it.each([['https://evil.example/'], ['//evil.example/x'], ['/\\evil.example'], ['/%2f%2fevil.example']])(
    'when the step-up is asked to return to %s, then it is refused before any sign-in starts',
    async (returnTo) => {
      const bob = await signInThroughDemoIdp(world.app.url, 'bob', 'pwd');
      const res = await bob.browser.request(`${world.app.url}/login/step-up?returnTo=${encodeURIComponent(returnTo)}`, {
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(((await res.json()) as { reason: string }).reason).toBe('return_to_refused');
    },
  );

  it('when the step-up is the tail of a form POST on rolegate (Sec-Fetch-Site: same-origin), then a page navigates on to the IdP instead of a redirect', async () => {
    const bob = await signInThroughDemoIdp(world.app.url, 'bob', 'pwd');
    const res = await bob.browser.request(`${world.app.url}/login/step-up?returnTo=%2Fportal%2Frequests`, {
      headers: { 'sec-fetch-site': 'same-origin', accept: 'text/html' },
    });
    // Browsers check each redirect of a form submission against the CSP's form-action 'self'.
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const page = await res.text();
    const next = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const authorize = new URL(next ?? '');
    expect(authorize.origin).not.toBe(world.app.url);
    expect(authorize.searchParams.get('prompt')).toBe('login');
    expect(page).toContain('Signing in again');
  });

  it('when nobody is signed in, then the step-up is an ordinary sign-in that comes back to returnTo', async () => {
    const { Browser } = await import('../support/browser.js');
    const res = await new Browser().request(`${world.app.url}/login/step-up?returnTo=%2Frequests`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?returnTo=%2Frequests');
  });

  // Last: it moves rolegate's clock past every sign-in of this file.
  it('when bob’s MFA sign-in is older than the mapping’s mfaMaxAgeSeconds, then credentials answer step_up_required, not role_not_entitled', async () => {
    const bob = await signInThroughDemoIdp(world.app.url, 'bob');
    const fresh = await call(bob.browser, '/api/v1/credentials', { accountId: PROD, role: 'ReadOnly' });
    expect(fresh.status).toBe(200);
    offset += 11 * 60_000;
    const stale = await json(await call(bob.browser, '/api/v1/credentials', { accountId: PROD, role: 'ReadOnly' }));
    expect(stale.status).toBe(403);
    expect(stale.body).toMatchObject({
      code: 'step_up_required',
      reason: 'condition_failed',
      conditions: ['mfa_stale'],
      stepUpUrl: '/login/step-up?returnTo=%2F',
    });
  });
});

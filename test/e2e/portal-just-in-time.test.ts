import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolegateError } from '../../src/domain/errors.js';
import { Browser } from '../support/browser.js';
import { DEMO_MAPPINGS, PROD, SANDBOX, startExchangeWorld, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';
import { signInWithDemoIdp, submitting } from '../support/portal-pages.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

/**
 * Just-in-time access in the portal, in real Chromium: alice (aws-dev,
 * aws-readonly) is eligible for prod Admin (ticket OPS-…) and sandbox
 * ReadOnly; bob (aws-admin, rolegate-admins) approves and administers.
 */
const ELIGIBLE: typeof DEMO_MAPPINGS = [
  ...DEMO_MAPPINGS.filter((m) => m.role !== `arn:aws:iam::${SANDBOX}:role/ReadOnly`),
  {
    group: 'aws-dev',
    role: `arn:aws:iam::${PROD}:role/Admin`,
    access: 'eligible',
    approval: { approverGroups: ['aws-admin'], maxGrant: '4h', ticketPattern: 'OPS-[0-9]{1,6}' },
  },
  {
    group: 'aws-readonly',
    role: `arn:aws:iam::${SANDBOX}:role/ReadOnly`,
    access: 'eligible',
    approval: { approverGroups: ['aws-admin'], maxGrant: '2h' },
  },
];

let world: ExchangeWorld;
let chromium: RealBrowser;
let url: string;
let alicePage: Page;
let bobPage: Page;
let aliceApi: SignedIn;

beforeAll(async () => {
  [world, chromium] = await Promise.all([startExchangeWorld({}, ELIGIBLE), launchRealBrowser()]);
  url = world.app.url;
  alicePage = await (await chromium.newContext()).newPage();
  bobPage = await (await chromium.newContext()).newPage();
  await signInWithDemoIdp(alicePage, url, '/portal', 'Alice Example');
  await signInWithDemoIdp(bobPage, url, '/portal', 'Bob Example');
  aliceApi = await world.signIn('alice');
}, 120_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

interface RequestView {
  id: string;
  state: string;
  role: { name: string };
  endsAt?: string;
  decisionComment?: string;
}
const myRequests = async () => ((await (await aliceApi.api('/api/v1/access-requests')).json()) as { requests: RequestView[] }).requests;

describe('just-in-time access in the portal (real Chromium)', () => {
  it('when alice opens the portal, then her eligible roles are listed beside the standing ones, marked, with a Request button', async () => {
    await alicePage.goto(`${url}/portal`);
    const admin = alicePage.locator('li.role-eligible', { has: alicePage.locator('.role-name', { hasText: /^Admin$/ }) });
    await expect(admin.locator('.badge-eligible').textContent()).resolves.toBe('eligible');
    expect(await admin.textContent()).toContain('max 4h · 1 approval needed (aws-admin)');
    const standing = alicePage.locator('section.account li.role:not(.role-eligible) .role-name');
    expect(await standing.allTextContents()).toEqual([
      'BrokerReadOnly',
      'ReadOnly',
      'BrokerDeveloper',
      'Developer',
      'WebIdentityDeveloper',
    ]);
    // The search box finds eligible roles too, with script and without.
    await alicePage.getByLabel('Find an account or role').fill('prod admin');
    expect(await alicePage.locator('section.account li.role:visible .role-name').allTextContents()).toEqual(['Admin']);
    await alicePage.goto(`${url}/portal?q=prod%20admin`);
    expect(await alicePage.locator('section.account li.role .role-name').allTextContents()).toEqual(['Admin']);
    await alicePage.getByRole('link', { name: 'Request Admin in prod' }).click();
    await alicePage.waitForURL(/\/portal\/requests\/new\?role=/);
    await expect(alicePage.getByLabel(/Admin in prod/).isChecked()).resolves.toBe(true);
    await expect(alicePage.getByLabel(/ReadOnly in sandbox/).isChecked()).resolves.toBe(false);
    expect(await alicePage.locator('.eligible-roles').textContent()).toContain('max 4h');
  });

  it('when alice asks for more than the maximum grant, then the form comes back with 400 and the precise message', async () => {
    await alicePage.goto(`${url}/portal/requests/new?role=${PROD}/Admin`);
    await alicePage.getByLabel(/^Duration/).fill('5h');
    await alicePage.getByLabel(/^Reason/).fill('rotate the prod database password');
    await alicePage.getByLabel(/^Ticket id/).fill('OPS-17');
    const answer = await submitting(alicePage, '/portal/requests', () => alicePage.getByRole('button', { name: 'Request access' }).click());
    expect(answer.status()).toBe(400);
    const error = alicePage.getByRole('alert');
    expect(await error.textContent()).toBe('duration 5h is above the maximum grant of 4h (14400 s) for Admin in prod');
    // What she typed is kept.
    await expect(alicePage.getByLabel(/^Reason/).inputValue()).resolves.toBe('rotate the prod database password');
    await expect(alicePage.getByLabel(/Admin in prod/).isChecked()).resolves.toBe(true);
    expect(await myRequests()).toEqual([]);
  });

  it('when alice fills the form with the keyboard only, then two roles of two accounts are requested, pending', async () => {
    await alicePage.goto(`${url}/portal/requests/new`);
    const focused = () => alicePage.evaluate(() => document.activeElement?.getAttribute('id') ?? document.activeElement?.tagName ?? '');
    // Tab from the top of the page to the first role's checkbox.
    for (let i = 0; i < 30 && !(await focused()).startsWith('r-'); i++) await alicePage.keyboard.press('Tab');
    const order: string[] = [];
    for (let i = 0; i < 2; i++) {
      order.push(await focused());
      await alicePage.keyboard.press('Space');
      await alicePage.keyboard.press('Tab');
    }
    expect(order.sort()).toEqual([`r-${SANDBOX}-ReadOnly`, `r-${PROD}-Admin`]);
    expect(await focused()).toBe('duration');
    await alicePage.keyboard.press('Control+A');
    await alicePage.keyboard.type('20m');
    await alicePage.keyboard.press('Tab');
    await alicePage.keyboard.type('rotate the prod database password');
    await alicePage.keyboard.press('Tab');
    await alicePage.keyboard.type('OPS-17');
    // Enter in a text field submits the form.
    const answer = await submitting(alicePage, '/portal/requests', () => alicePage.keyboard.press('Enter'));
    expect(answer.status()).toBe(303);
    await alicePage.waitForURL(`${url}/portal/requests`);
    const rows = alicePage.locator('table.requests tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.locator('.badge-state').allTextContents()).toEqual(['pending approval', 'pending approval']);
    expect((await myRequests()).map((r) => r.state)).toEqual(['pending', 'pending']);
  });

  it('when bob opens his approvals inbox, then he sees who asks, their groups, reason, ticket, what the role does, their history', async () => {
    await bobPage.goto(`${url}/portal/approvals`);
    const items = bobPage.locator('article.inbox-item');
    expect(await items.count()).toBe(2);
    const admin = items.filter({ hasText: 'alice: Admin in prod' });
    const text = (await admin.textContent()) ?? '';
    expect(text).toContain('aws-dev, aws-readonly');
    expect(text).toContain('rotate the prod database password');
    expect(text).toContain('OPS-17');
    expect(text).toContain('What the role can do');
    // Her other request of the batch is her history so far.
    expect(await admin.locator('ul.history li').allTextContents()).toEqual([
      expect.stringContaining('ReadOnly in sandbox for 20m — pending approval'),
    ]);
  });

  it('when bob approves in the inbox, then alice sees the role usable with its end, and credentials end by the grant', async () => {
    const adminId = (await myRequests()).find((r) => r.role.name === 'Admin')?.id ?? '';
    await bobPage.goto(`${url}/portal/approvals`);
    const admin = bobPage.locator('article.inbox-item').filter({ hasText: 'alice: Admin in prod' });
    await admin.getByLabel('Comment (optional)').fill('ok for the rotation');
    const answer = await submitting(bobPage, `/portal/requests/${adminId}/approve`, () =>
      admin.getByRole('button', { name: 'Approve' }).click(),
    );
    expect(answer.status()).toBe(303);
    await bobPage.waitForURL(`${url}/portal/requests/${adminId}`);
    expect(await bobPage.locator('.request-details').textContent()).toContain('active');
    expect(await bobPage.locator('ul.approvals').textContent()).toContain('ok for the rotation');

    const grant = (await myRequests()).find((r) => r.id === adminId);
    expect(grant?.state).toBe('active');
    const endsAt = Date.parse(grant?.endsAt ?? '');
    await alicePage.goto(`${url}/portal`);
    const row = alicePage.locator('section.account li.role:not(.role-eligible)', {
      has: alicePage.locator('.role-name', { hasText: /^Admin$/ }),
    });
    await expect(row.locator('.badge-grant').textContent()).resolves.toBe('granted');
    expect(Date.parse((await row.locator('[data-ends-at]').getAttribute('data-ends-at')) ?? '')).toBe(endsAt);
    // The script counts down to the server-rendered end.
    await expect(row.locator('[data-countdown]').textContent()).resolves.toMatch(/^\((19|20) min \d\d s left\)$/);
    expect(await alicePage.locator('li.role-eligible .role-name').allTextContents()).toEqual(['ReadOnly']);

    // CLI credentials asked for 1 h: clamped to the grant's 20 minutes.
    await row.locator('select').selectOption({ label: '1 h' });
    await row.getByRole('button', { name: 'CLI credentials for Admin in prod' }).click();
    await alicePage.waitForURL(`${url}/portal/credentials`);
    const expiresAt = Date.parse((await alicePage.locator('[data-expires-at]').getAttribute('data-expires-at')) ?? '');
    expect(expiresAt).toBeLessThanOrEqual(endsAt);
    expect(expiresAt).toBeGreaterThan(endsAt - 2 * 60_000);
  });

  it('when bob denies with a comment, then alice sees the denial and the comment on the request page', async () => {
    const readOnlyId = (await myRequests()).find((r) => r.role.name === 'ReadOnly')?.id ?? '';
    await bobPage.goto(`${url}/portal/requests/${readOnlyId}`);
    await bobPage.getByLabel(/^Why you deny it/).fill('use the prod ReadOnly role you already have');
    await submitting(bobPage, `/portal/requests/${readOnlyId}/deny`, () => bobPage.getByRole('button', { name: 'Deny' }).click());
    await bobPage.waitForURL(`${url}/portal/requests/${readOnlyId}`);
    await alicePage.goto(`${url}/portal/requests/${readOnlyId}`);
    const details = (await alicePage.locator('.request-details').textContent()) ?? '';
    expect(details).toContain('denied');
    expect(details).toContain('use the prod ReadOnly role you already have');
    // Nothing to decide on her own request.
    expect(await alicePage.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });

  it('when alice ends her grant in My requests, then it is cancelled and Admin is only eligible again', async () => {
    await alicePage.goto(`${url}/portal/requests`);
    await alicePage.getByRole('button', { name: 'End grant now: Admin in prod' }).click();
    await alicePage.waitForURL(`${url}/portal/requests`);
    expect((await myRequests()).find((r) => r.role.name === 'Admin')?.state).toBe('cancelled');
    await alicePage.goto(`${url}/portal`);
    expect(await alicePage.locator('li.role-eligible .role-name').allTextContents()).toEqual(['Admin', 'ReadOnly']);
    const refused = await aliceApi.api('/api/v1/credentials', { method: 'POST', body: { accountId: PROD, role: 'Admin' } });
    expect(refused.status).toBe(403);
  });

  it('when alice cancels a pending request, then it is cancelled', async () => {
    await alicePage.goto(`${url}/portal/requests/new?role=${SANDBOX}/ReadOnly`);
    await alicePage.getByLabel(/^Duration/).fill('30m');
    await alicePage.getByLabel(/^Reason/).fill('look at the sandbox buckets');
    await alicePage.getByRole('button', { name: 'Request access' }).click();
    await alicePage.waitForURL(`${url}/portal/requests`);
    await alicePage.getByRole('button', { name: 'Cancel request: ReadOnly in sandbox' }).click();
    await alicePage.waitForURL(`${url}/portal/requests`);
    expect((await myRequests()).filter((r) => r.role.name === 'ReadOnly').map((r) => r.state)).toEqual(['cancelled', 'denied']);
  });

  it('when an administrator revokes a grant on /admin/access-requests, then it asks first and the grant ends', async () => {
    await alicePage.goto(`${url}/portal/requests/new?role=${PROD}/Admin`);
    await alicePage.getByLabel(/^Duration/).fill('1h');
    await alicePage.getByLabel(/^Reason/).fill('second rotation of the password');
    await alicePage.getByLabel(/^Ticket id/).fill('OPS-18');
    await alicePage.getByRole('button', { name: 'Request access' }).click();
    await alicePage.waitForURL(`${url}/portal/requests`);
    const id = (await myRequests()).find((r) => r.state === 'pending')?.id ?? '';
    await bobPage.goto(`${url}/portal/requests/${id}`);
    await bobPage.getByRole('button', { name: 'Approve' }).click();
    await bobPage.waitForURL(`${url}/portal/requests/${id}`);

    await bobPage.goto(`${url}/admin/access-requests`);
    await bobPage.getByLabel('State').selectOption({ label: 'open grants (active, approved)' });
    await bobPage.getByRole('button', { name: 'Filter' }).click();
    await bobPage.waitForURL(/state=active%2Capproved/);
    const rows = bobPage.locator('tr[data-request]');
    expect(await rows.count()).toBe(1);
    await rows.getByRole('link', { name: 'Revoke…' }).click();
    await bobPage.waitForURL(`${url}/admin/access-requests/${id}/revoke`);
    expect(await bobPage.locator('main').textContent()).toContain("alice's grant for Admin in prod");
    // No reason: the confirmation comes back with the message.
    await bobPage.getByLabel('Reason (audited)').evaluate((input) => input.removeAttribute('required'));
    const refused = await submitting(bobPage, `/admin/access-requests/${id}/revoke`, () =>
      bobPage.getByRole('button', { name: 'Revoke the grant' }).click(),
    );
    expect(refused.status()).toBe(400);
    await bobPage.getByLabel('Reason (audited)').fill('rotation done');
    await bobPage.getByRole('button', { name: 'Revoke the grant' }).click();
    await bobPage.waitForURL(`${url}/admin/access-requests?revoked=${id}`);
    expect((await myRequests()).find((r) => r.id === id)?.state).toBe('revoked');
  });
});

describe('the portal request routes refuse bad input precisely', () => {
  const form = (who: SignedIn, path: string, fields: Record<string, string>, withCsrf = true) =>
    who.browser.request(`${url}${path}`, {
      method: 'POST',
      form: { ...(withCsrf ? { _csrf: who.csrfToken } : {}), ...fields },
      headers: { accept: 'text/html' },
    });

  it('when a form comes without the CSRF token, then it is refused with 403', async () => {
    const answer = await form(
      aliceApi,
      '/portal/requests',
      { roles: `${PROD}/Admin`, duration: '20m', reason: 'a good reason here' },
      false,
    );
    expect(answer.status).toBe(403);
  });

  it('when a request id is unknown, then 404; when it is no id at all, then 400', async () => {
    const unknown = await aliceApi.browser.request(`${url}/portal/requests/00000000-0000-4000-8000-000000000000`, {
      headers: { accept: 'text/html' },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No access request 00000000-0000-4000-8000-000000000000 that you may see');
    const approve = await form(aliceApi, '/portal/requests/00000000-0000-4000-8000-000000000000/approve', {});
    expect(approve.status).toBe(404);
    const bad = await aliceApi.browser.request(`${url}/portal/requests/not-an-id`, { headers: { accept: 'text/html' } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('expected an access request id');
  });

  it('when alice asks for a role she is not eligible for, then the form comes back with 403 naming why', async () => {
    const answer = await form(aliceApi, '/portal/requests', {
      roles: `${PROD}/BreakGlass`,
      duration: '20m',
      reason: 'a good reason here',
    });
    expect(answer.status).toBe(403);
    const page = await answer.text();
    expect(page).toContain('Your groups make you neither entitled nor eligible to request BreakGlass in prod');
    expect(page).toContain('<form method="post" action="/portal/requests"');
  });

  it.each([
    ['no role', { duration: '20m', reason: 'a good reason here' }, 400, 'Choose at least one role to request'],
    [
      'a duration that is not one',
      { roles: `${PROD}/Admin`, duration: 'soon', reason: 'a good reason here' },
      400,
      'duration: expected seconds',
    ],
    [
      'a bad start',
      { roles: `${PROD}/Admin`, duration: '20m', reason: 'a good reason here', ticket: 'OPS-1', startsAt: 'tomorrow' },
      400,
      'Start: expected',
    ],
    [
      'a ticket not matching',
      { roles: `${PROD}/Admin`, duration: '20m', reason: 'a good reason here', ticket: 'JIRA-1' },
      400,
      '&quot;JIRA-1&quot; does not',
    ],
  ])('when the form has %s, then it comes back with %i and the message', async (_name, fields, status, message) => {
    const answer = await form(aliceApi, '/portal/requests', fields);
    expect(answer.status).toBe(status);
    expect(await answer.text()).toContain(message);
  });

  it('when alice tries to approve a request of her own, then 403 says so', async () => {
    const created = await aliceApi.api('/api/v1/access-requests', {
      method: 'POST',
      body: { alias: 'sandbox', role: 'ReadOnly', duration: '20m', reason: 'one more look at the buckets' },
    });
    const { id } = (await created.json()) as { id: string };
    const answer = await form(aliceApi, `/portal/requests/${id}/approve`, {});
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('You cannot decide your own request');
  });

  it('when approving answers step_up_required, then the portal sends the approver to the step-up sign-in and back to the request', async () => {
    const created = await aliceApi.api('/api/v1/access-requests', {
      method: 'POST',
      body: { alias: 'prod', role: 'Admin', duration: '20m', reason: 'a third look at the password', ticket: 'OPS-19' },
    });
    const { id } = (await created.json()) as { id: string };
    const bob = await world.signIn('bob');
    const deps = world.app.t.deps.accessRequests;
    if (!deps) throw new Error('no access requests wired');
    // The step-up check is being built in parallel; what the portal relies on is the code its refusal carries.
    const real = deps.store;
    const stepUp = () => Promise.reject(new RolegateError('step_up_required', { detail: 'Approving needs a recent strong sign-in' }));
    deps.store = new Proxy(real, {
      get: (target, key) => {
        if (key === 'approve') return stepUp;
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const answer = await form(bob, `/portal/requests/${id}/approve`, {});
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe(`/login/step-up?returnTo=${encodeURIComponent(`/portal/requests/${id}`)}`);
    } finally {
      deps.store = real;
    }
    // Back on the page, Approve works.
    const again = await form(bob, `/portal/requests/${id}/approve`, {});
    expect(again.headers.get('location')).toBe(`/portal/requests/${id}`);
  });

  it.each([
    ['/portal/requests', '/portal/requests/new'],
    ['/portal/requests/00000000-0000-4000-8000-000000000000/approve', '/portal/requests/00000000-0000-4000-8000-000000000000'],
    ['/portal/requests/00000000-0000-4000-8000-000000000000/cancel', '/portal/requests/00000000-0000-4000-8000-000000000000'],
  ])('when %s is posted without a session, then the sign-in comes back to %s', async (path, back) => {
    const answer = await new Browser().request(`${url}${path}`, { method: 'POST', form: { reason: 'x' } });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location') ?? '', url);
    expect(location.searchParams.get('returnTo')).toBe(back);
  });
});

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD, SANDBOX } from '../support/exchange-world.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

/** Presses Tab (at most `max` times) until `target` has the focus: the page is reached by keyboard alone. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

let world: ExchangeWorld;
let chromium: RealBrowser;
let bob: SignedIn;
const CLI = { 'user-agent': 'rolegate-cli/0.1.0 (linux; x64)' };
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' };

beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  bob = await world.signIn('bob');
  const alice = await world.signIn('alice');
  // alice: three roles from the CLI, one from a browser, one through the API; one refusal (prod Admin is not hers).
  for (const role of ['Developer', 'ReadOnly', 'BrokerDeveloper'])
    expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role }, headers: CLI })).status).toBe(200);
  expect(
    (await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' }, headers: BROWSER })).status,
  ).toBe(200);
  expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'ReadOnly' } })).status).toBe(200);
  expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: PROD, role: 'Admin' }, headers: CLI })).status).toBe(
    403,
  );
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

const get = async (user: SignedIn, path: string) => {
  const res = await user.browser.request(`${world.app.url}${path}`, { headers: { accept: 'text/html' } });
  const body = (await res.text()).replace(/\s+/g, ' ').replace(/> /g, '>').replace(/ </g, '<');
  return { res, body };
};
const rowsOf = (body: string) => body.match(/<tr><td><time/g)?.length ?? 0;

describe('/admin/audit filters (HTTP)', () => {
  it('when filtering by surface, account, outcome and role name, then only those events show, each with its account and surface', async () => {
    const cli = await get(bob, '/admin/audit?user=demo%3Aalice&type=credentials.issue&outcome=success&surface=cli');
    expect(cli.res.status).toBe(200);
    expect(rowsOf(cli.body)).toBe(3);
    expect(cli.body).toMatch(/<td>cli<\/td>/);
    expect(cli.body).not.toMatch(/<td>(portal|api)<\/td>/);
    const portal = await get(bob, '/admin/audit?user=demo%3Aalice&type=credentials.issue&surface=portal');
    expect(rowsOf(portal.body)).toBe(1);
    expect(portal.body).toContain(`<code>arn:aws:iam::${SANDBOX}:role/Developer</code>`);
    const api = await get(bob, '/admin/audit?user=demo%3Aalice&type=credentials.issue&surface=api');
    expect(rowsOf(api.body)).toBe(1);
    expect(api.body).toContain(`<code>arn:aws:iam::${SANDBOX}:role/ReadOnly</code>`);
    // The refusal, by account and outcome; and by role name.
    const denied = await get(bob, `/admin/audit?account=${PROD}&outcome=denied&type=credentials.`);
    expect(rowsOf(denied.body)).toBe(1);
    expect(denied.body).toContain(`<td>${PROD}</td>`);
    expect(denied.body).toContain('<option value="denied" selected>denied</option>');
    const byName = await get(bob, '/admin/audit?role=BrokerDeveloper&user=demo%3Aalice&type=credentials.issue');
    expect(rowsOf(byName.body)).toBe(1);
    // The window: everything is from the last minutes, so a window that ended an hour ago is empty.
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect((await get(bob, `/admin/audit?user=demo%3Aalice&to=${encodeURIComponent(hourAgo)}`)).body).toContain('No events match.');
    expect(rowsOf((await get(bob, `/admin/audit?user=demo%3Aalice&from=${encodeURIComponent(hourAgo)}`)).body)).toBeGreaterThanOrEqual(6);
  });

  it('when the filters are malformed, then the page is a 400 naming each field and why, with what was typed, never a 500', async () => {
    const cases: [string, RegExp][] = [
      ['from=yesterday', /From: expected an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z/],
      ['from=2026-13-45T00:00:00Z', /From: expected an ISO 8601 date-time/],
      ['from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z', /To: must be after from \(from is inclusive, to exclusive\)/],
      ['limit=100000000', /Page size: expected an integer from 1 to 1000/],
      ['limit=-1', /Page size: expected an integer from 1 to 1000/],
      ['limit=ten', /Page size: expected an integer from 1 to 1000/],
      [`user=${'x'.repeat(5000)}`, /User: at most 300 characters/],
      ['user=alice', /User: expected a principal id &lt;idp&gt;:&lt;subject&gt;, e.g. demo:alice/],
      ['user=demo%3Aal%00ice', /User: expected a principal id/],
      ['user=demo%3Aa&user=demo%3Ab', /User: expected one value/],
      ['role=%3Cscript%3Ealert(1)%3C%2Fscript%3E', /Role: expected a role ARN/],
      ['role=arn%3Aaws%3Aiam%3A%3A12%3Arole%2FX', /Role: expected a role ARN/],
      ['account=sandbox', /Account: expected a 12-digit AWS account id/],
      ['type=%25%25%25', /Event type: expected an event type/],
      ['outcome=maybe', /Outcome: expected success, denied or error/],
      ['surface=fax', /Surface: expected cli, portal or api/],
      ['cursor=bogus', /Page: is not one this API returned: start again from the newest events/],
      ['colour=blue', /unknown filter colour/],
    ];
    for (const [query, message] of cases) {
      const { res, body } = await get(bob, `/admin/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^text\/html/);
      expect(body, query).toMatch(message);
      expect(body, query).toContain('<h2 id="audit-errors">The filters could not be used</h2>');
      // The form again, nothing of the input unescaped.
      expect(body, query).toContain('<form method="get" action="/admin/audit"');
      expect(body, query).not.toContain('<script>alert');
    }
    // The field says it is invalid, described by its message.
    const { body } = await get(bob, '/admin/audit?account=sandbox&user=demo%3Aalice');
    expect(body).toMatch(/id="f-account"[^>]*aria-describedby="f-account-hint f-account-error"[^>]*aria-invalid="true"/);
    expect(body).toContain('value="sandbox"');
    expect(body).toContain('value="demo:alice"');
    // The API says the same, as problem+json.
    const api = await bob.api('/api/v1/admin/audit?account=sandbox');
    expect(api.status).toBe(400);
    expect(((await api.json()) as { detail: string }).detail).toBe('account: expected a 12-digit AWS account id');
  });
});

describe('/admin/audit in Chromium, keyboard only', () => {
  it('when bob filters by keyboard, pages on and sends a bad date, then the URL holds the filters and the 400 page says which field', async () => {
    const url = world.app.url;
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/admin/audit', 'Bob Example');
    await page.waitForURL(`${url}/admin/audit`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit log');

    await tabTo(page, page.getByLabel('User', { exact: true }));
    await page.keyboard.type('demo:alice');
    await page.keyboard.press('Tab'); // Role
    await page.keyboard.press('Tab'); // Account
    await page.keyboard.type(SANDBOX);
    await page.keyboard.press('Tab'); // Event type
    await page.keyboard.type('credentials.issue');
    await page.keyboard.press('Tab'); // Outcome
    await page.keyboard.press('ArrowDown'); // success
    await page.keyboard.press('Tab'); // Surface
    await page.keyboard.press('ArrowDown'); // cli
    expect(await page.getByLabel('Surface', { exact: true }).inputValue()).toBe('cli');
    await tabTo(page, page.getByRole('button', { name: 'Filter' }));
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('surface') === 'cli');
    const params = new URL(page.url()).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({
      user: 'demo:alice',
      account: SANDBOX,
      type: 'credentials.issue',
      outcome: 'success',
      surface: 'cli',
    });
    expect(await page.locator('table.audit-events tbody tr').count()).toBe(3);

    // A smaller page, then "Older events" by keyboard.
    await page.goto(`${page.url()}&limit=2`);
    expect(await page.locator('table.audit-events tbody tr').count()).toBe(2);
    await tabTo(page, page.getByRole('link', { name: 'Older events' }));
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.has('cursor'));
    expect(await page.locator('table.audit-events tbody tr').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Older events' }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('surface')).toBe('cli');

    // A bad date: the 400 page names the field, and the summary's link leads to it.
    await tabTo(page, page.getByLabel('From', { exact: true }));
    await page.keyboard.type('last tuesday');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('from') === 'last tuesday');
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('From: expected an ISO 8601 date-time');
    expect(await page.getByLabel('From', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe('last tuesday');
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('demo:alice');
    expect(await page.locator('table.audit-events').count()).toBe(0);
    expect(violations).toEqual([]);
    await context.close();
  }, 90_000);
});

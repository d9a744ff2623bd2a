import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewProposalResponse } from '../../src/contracts/access-reviews.js';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;

let world: ExchangeWorld;
let chromium: RealBrowser;
let url: string;
beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  url = world.app.url;
  // alice has signed in (she holds the sandbox roles) and taken Developer once.
  const alice = await world.signIn('alice');
  expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

describe('an access review in the admin pages (Chromium)', () => {
  it('when bob opens a review of sandbox, removes one mapping and confirms an entry, then the export says who decided what and the removal is an access-file diff', async () => {
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/admin/reviews', 'Bob Example');
    await page.waitForURL(`${url}/admin/reviews`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Access reviews');

    // Open: keyboard only (tab to the fields, type, Enter).
    await page.getByLabel('Scope').selectOption('account');
    await page.getByLabel('Account, role ARN or group').focus();
    await page.keyboard.type('sandbox');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/reviews\/[0-9a-f-]{36}$/);
    const reviewUrl = page.url();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Access review: account sandbox');

    // Decide: remove the aws-dev → Developer mapping, confirm alice's Developer entry.
    await page.getByRole('button', { name: `Remove aws-dev → ${DEVELOPER}` }).click();
    await page.getByText('remove by demo:bob').waitFor();
    await page.getByRole('button', { name: `Confirm demo:alice → ${DEVELOPER}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('confirm by demo:bob').waitFor();
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('2 of 8 decided');
    expect(main).toMatch(/remove by demo:bob/);
    expect(main).toMatch(/confirm by demo:bob/);

    // The proposal page shows the access-file diff.
    await page.getByRole('link', { name: 'Proposed access-file change' }).click();
    expect(await page.getByRole('list', { name: 'Access-file diff' }).textContent()).toContain(`- mapping * exact aws-dev → ${DEVELOPER}`);
    await page.goBack();

    // Export: the CSV download has both decisions.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
    const path = await download.path();
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile(path, 'utf8');
    expect(csv.split('\r\n').filter((l) => /,remove,demo:bob,|,confirm,demo:bob,/.test(l))).toHaveLength(2);

    // Close.
    await page.getByRole('button', { name: 'Close review' }).click();
    await page.getByText('Closed by demo:bob').waitFor();
    expect(await page.locator('main').textContent()).toContain('Closed by demo:bob');
    expect(violations).toEqual([]);

    // The same proposal through the API (what a pull request would be made from).
    const bob = await world.signIn('bob');
    const id = reviewUrl.split('/').at(-1) ?? '';
    const proposal = (await (await bob.api(`/api/v1/admin/reviews/${id}/proposal`)).json()) as ReviewProposalResponse;
    expect(proposal.changes.map((c) => `${c.action} ${c.key}`)).toEqual([`remove * exact aws-dev → ${DEVELOPER}`]);
  }, 90_000);
});

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { SANDBOX } from '../support/exchange-world.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

const DEVELOPER = `arn:aws:iam::${SANDBOX}:role/Developer`;

/** Presses Tab (at most `max` times) until `target` has the focus: the page is reached by keyboard alone. */
async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

let world: ExchangeWorld;
let chromium: RealBrowser;
let alice: SignedIn;
beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  alice = await world.signIn('alice');
  expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

describe('revoking a user from the admin pages (Chromium, keyboard only)', () => {
  it('when bob revokes alice on /admin/revocations, then the confirmation and result pages say what ends and her next API call is refused', async () => {
    const url = world.app.url;
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/admin/revocations', 'Bob Example');
    await page.waitForURL(`${url}/admin/revocations`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Revocations');
    expect(await page.getByRole('link', { name: 'Revocations' }).getAttribute('aria-current')).toBe('page');

    // The form: Tab to the user field, type, Enter.
    await tabTo(page, page.getByLabel('User (principal id or username)'));
    await page.keyboard.type('demo:alice');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/revocations\/confirm\?user=demo%3Aalice$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Revoke user demo:alice?');
    const ends = (await page.getByRole('list', { name: 'What ends' }).textContent()) ?? '';
    expect(ends).toMatch(/[1-9]\d* live portal session/);
    expect(await page.getByRole('list', { name: 'You attach the Deny by hand (account without a revoker)' }).textContent()).toContain(
      DEVELOPER,
    );
    // Alice still works: the confirmation changed nothing.
    expect((await alice.api('/api/v1/me')).status).toBe(200);

    // The reason, then Enter submits the revocation.
    await tabTo(page, page.getByLabel('Reason (audited)'));
    await page.keyboard.type('laptop stolen');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Revoked user demo:alice' }).waitFor();
    expect(await page.getByRole('status').textContent()).toMatch(/^Revoked user demo:alice at \d{4}-/);
    const policy = JSON.parse((await page.getByLabel('Deny policy').textContent()) ?? '') as {
      Statement: { Effect: string; Condition: { StringEquals: Record<string, string> } }[];
    };
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' } } });
    expect(await page.getByRole('list', { name: 'Attach this policy by hand' }).textContent()).toContain(DEVELOPER);

    // Alice's next API calls are refused.
    expect((await alice.api('/api/v1/me')).status).toBe(401);
    expect((await alice.api('/api/v1/credentials', { method: 'POST', body: { accountId: SANDBOX, role: 'Developer' } })).status).toBe(401);
    expect(violations).toEqual([]);
    await context.close();
  }, 90_000);
});

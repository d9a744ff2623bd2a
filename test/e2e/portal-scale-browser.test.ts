import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeCompany, renderAccessFile } from '../../bench/fixtures/large-company.mjs';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld } from '../support/exchange-world.js';
import { signInWithDemoIdp, visibleRoles } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';
import { waitFor } from '../support/wait.js';

// The portal of someone with 506 roles (a company of 500 accounts over the demo model, alice's groups
// mapped to one role in each) in headless Chromium, driven with the keyboard only: one page of 50
// roles and a pager, search as you type over all of them (answered by the server), and stars.

const demo = parse(readFileSync(new URL('../../config/demo-access.yaml', import.meta.url), 'utf8')) as Record<string, never>;
const company = largeCompany({ accounts: 500, mappings: 1250, aliceRoles: 500, base: demo });

let world: ExchangeWorld;
let chromium: RealBrowser;
let url: string;
beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  url = world.app.url;
  const bob = await world.signIn('bob');
  const res = await bob.api('/api/v1/admin/access/apply', {
    method: 'POST',
    body: { yaml: renderAccessFile(company.document), source: 'company.yaml' },
  });
  if (res.status !== 200) throw new Error(`apply answered ${String(res.status)}: ${await res.text()}`);
}, 120_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return `${el?.tagName.toLowerCase() ?? ''}#${el?.id ?? ''} ${(el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim()}`;
  });
/** Presses Tab (or Shift+Tab) until the focused element's description matches, at most `limit` times. */
async function tabTo(page: Page, target: RegExp, { limit = 400, back = false } = {}): Promise<string> {
  for (let i = 0; i < limit; i++) {
    const now = await focused(page);
    if (target.test(now)) return now;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`no ${String(target)} within ${String(limit)} tabs (at ${await focused(page)})`);
}
const status = async (page: Page) => ((await page.locator('#filter-status').textContent()) ?? '').trim();
/** Whether #results holds the server's rows for what the search box holds (the counter can come first). */
const rowsAnswerTheBox = (page: Page) =>
  page.evaluate(() => {
    const results = document.querySelector('#results');
    const box = document.querySelector<HTMLInputElement>('#q');
    return results !== null && !results.hasAttribute('aria-busy') && results.getAttribute('data-q') === box?.value.trim();
  });
/** Waits for the counter to read `expected` and the rows to be that search's. */
const waitForStatus = (page: Page, expected: string | RegExp) =>
  waitFor(
    async () => {
      const now = await status(page);
      const said = typeof expected === 'string' ? now === expected : expected.test(now);
      return said && (await rowsAnswerTheBox(page)) ? now : undefined;
    },
    `the search status to be ${String(expected)}, with its rows`,
  );

describe('the portal of a person with 506 roles, in Chromium, with the keyboard only', { timeout: 60_000 }, () => {
  it('when alice types in the search box, then each keystroke searches every role, and the answer is the newest one', async () => {
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    expect(await visibleRoles(page)).toHaveLength(50);
    expect(await page.locator('nav.pager').textContent()).toContain('Roles 1–50 of 506 roles · page 1 of 11');

    await tabTo(page, /^input#q /);
    // Typed without pauses: several searches are on their way at once; the last keystroke's wins.
    await page.keyboard.type('payments read');
    await waitForStatus(page, '50 of 506 roles match “payments read”');
    const roles = await visibleRoles(page);
    expect(roles).toHaveLength(50);
    expect(roles.every((r) => /^payments-\d{4}\/ReadOnly$/.test(r))).toBe(true);
    // A role on no page alice had loaded: found by the server's search.
    await page.keyboard.type(' 0480');
    await waitForStatus(page, '1 of 506 roles match “payments read 0480”');
    expect(await visibleRoles(page)).toEqual(['payments-0480/ReadOnly']);
    await expect(page.locator('#results').getAttribute('aria-busy')).resolves.toBeNull();
    for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace');
    await waitForStatus(page, '50 of 506 roles match “payments read”');
    await page.keyboard.type(' nothing-like-this');
    await waitForStatus(page, '0 of 506 roles match “payments read nothing-like-this”');
    expect(await visibleRoles(page)).toEqual([]);
    await expect(page.locator('main').textContent()).resolves.toContain('No role matches');
    // Emptying the box brings back the first page.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await waitForStatus(page, '');
    await waitFor(async () => ((await visibleRoles(page)).length === 50 ? true : undefined), 'page 1 again');
    // The focus stayed in the box all along.
    expect(await focused(page)).toMatch(/^input#q /);
    expect(violations).toEqual([]);
  });

  it("when alice types fast, then the counter names every search at once, before its rows, and ends with the server's rows and count", async () => {
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    const indexed = page.waitForResponse((res) => new URL(res.url()).pathname === '/portal/search-index');
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    expect((await indexed).status()).toBe(200);
    // What the counter said, and whether the rows were still on their way when it did.
    await page.evaluate(() => {
      const said: { text: string; rowsPending: boolean }[] = [];
      Object.assign(window, { said });
      const status = document.querySelector('#filter-status');
      if (!status) throw new Error('no #filter-status');
      new MutationObserver(() => {
        said.push({ text: status.textContent.trim(), rowsPending: document.querySelector('#results[aria-busy]') !== null });
      }).observe(status, { childList: true, characterData: true, subtree: true });
    });

    await page.locator('#q').focus();
    const typed = 'payments read 048';
    await page.keyboard.type(typed);
    const final = await waitForStatus(page, /^\d+ of 506 roles match “payments read 048”$/);
    const roles = await visibleRoles(page);
    expect(roles.length).toBeGreaterThan(0);
    expect(roles.every((r) => /^payments-048\d\/ReadOnly$/.test(r))).toBe(true);
    expect(final.startsWith(`${String(roles.length)} of 506`)).toBe(true);

    const said = await page.evaluate(() => (window as unknown as { said: { text: string; rowsPending: boolean }[] }).said);
    const searches = [...new Set(Array.from({ length: typed.length }, (_, i) => typed.slice(0, i + 1).trim()))];
    for (const search of searches) {
      const first = said.find((s) => s.text.endsWith(`match “${search}”`));
      expect(first, `the counter for “${search}”`).toBeDefined();
      // Counted in the browser, while the server's rows were still to come.
      expect(first?.rowsPending, `the counter for “${search}” came before its rows`).toBe(true);
    }
    // The browser's count for the last search is the server's.
    expect(said.find((s) => s.text.endsWith('“payments read 048”'))?.text).toBe(final);
    expect(violations).toEqual([]);
  });

  it('when alice pages with Tab and Enter, then page 2 holds the next 50 roles and Previous goes back', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const first = await visibleRoles(page);
    await tabTo(page, /^a# Next →$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/portal?page=2`);
    const second = await visibleRoles(page);
    expect(second).toHaveLength(50);
    expect(second.filter((r) => first.includes(r))).toEqual([]);
    expect(await page.locator('nav.pager').textContent()).toContain('Roles 51–100 of 506 roles · page 2 of 11');
    await tabTo(page, /^a# Page 11$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/portal?page=11`);
    expect(await visibleRoles(page)).toHaveLength(6);
    await tabTo(page, /^a# ← Previous$/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/portal?page=10`);
    expect(await page.locator('a[aria-current="page"]').textContent()).toBe('10');
  });

  it('when alice stars a role on page 3 with the keyboard, then she stays on page 3 and the role is pinned on top of page 1, counted once', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal?page=3', 'Alice Example');
    const [target] = (await visibleRoles(page)).slice(7, 8);
    const [alias = '', role = ''] = (target ?? '').split('/');
    await tabTo(page, new RegExp(`^button# [☆★]Favourite ${role} in ${alias}$`));
    await page.keyboard.press('Enter');
    // The page was ?page=3 before the star's POST too: wait for the page it answers, not for the URL.
    const star = page.locator('section.account').getByRole('button', { name: `Favourite ${role} in ${alias}` });
    await waitFor(async () => ((await star.getAttribute('aria-pressed')) === 'true' ? true : undefined), 'the star pressed after its POST');
    expect(page.url()).toBe(`${url}/portal?page=3`);

    await tabTo(page, /^a# Page 1$/, { back: true });
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/portal`);
    const pinned = page.locator('section.pinned li.role');
    expect(await pinned.count()).toBe(1);
    expect(await pinned.locator('.muted').first().textContent()).toContain(alias);
    await tabTo(page, /^input#q /, { back: true });
    await page.keyboard.type(`${alias} ${role}`);
    // Pinned and under its account: two rows, one role.
    await waitForStatus(page, `1 of 506 roles match “${alias} ${role}”`);
    expect(await page.locator('#results li.role:visible').count()).toBe(2);
    // Unstar it from the pinned section, still with the keyboard.
    await tabTo(page, new RegExp(`^button# [☆★]Favourite ${role} in ${alias}$`));
    await page.keyboard.press('Enter');
    // Back on the same search (its q, however the browser encodes the space), without the pinned section.
    await waitFor(async () => {
      const here = new URL(page.url());
      const searched = here.pathname === '/portal' && here.searchParams.get('q') === `${alias} ${role}`;
      return searched && (await page.locator('section.pinned').count()) === 0 ? true : undefined;
    }, 'the same search without the pinned section after the POST');
  });

  it('when script is off, then the Search form and the pager links do the same with GET ?q= and ?page=', async () => {
    const signedIn = await chromium.newContext();
    const page = await signedIn.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const plain = await chromium.browser.newContext({ javaScriptEnabled: false });
    await plain.addCookies(await signedIn.cookies());
    const noScript = await plain.newPage();
    await noScript.goto(`${url}/portal`);
    await tabTo(noScript, /^input#q /);
    await noScript.keyboard.type('read');
    await noScript.keyboard.press('Enter');
    await noScript.waitForURL(`${url}/portal?q=read`);
    expect(await status(noScript)).toMatch(/^\d+ of 506 roles match “read”$/);
    await tabTo(noScript, /^a# Next →$/);
    await noScript.keyboard.press('Enter');
    await noScript.waitForURL(`${url}/portal?q=read&page=2`);
    expect(await visibleRoles(noScript)).toHaveLength(50);
    expect((await visibleRoles(noScript)).every((r) => r.endsWith('ReadOnly'))).toBe(true);
  });
});

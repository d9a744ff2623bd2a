import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, cliTokensFor, type CliBroker } from '../support/cli-broker.js';
import { signInThroughDemoIdp, startExchangeWorld, type ExchangeWorld } from '../support/exchange-world.js';
import { auditRows } from '../support/login-app.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

// Issue 16 items 2 and 4: sign-out ends the demo IdP's session too (so the README's alice, bob and
// carol can take turns in one browser), and the portal lists and revokes the user's CLI sessions
// and offers Sign out everywhere.
let world: ExchangeWorld;
let chromium: RealBrowser;
let url: string;
beforeAll(async () => {
  [world, chromium] = await Promise.all([startExchangeWorld(), launchRealBrowser()]);
  url = world.app.url;
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

const whoami = async (page: import('playwright-core').Page) => (await page.locator('.whoami strong').textContent()) ?? '';
const me = (token: unknown) => fetch(`${url}/api/v1/me`, { headers: bearer(token) });

describe('signing out of the demo', () => {
  it('when alice signs out and signs out of the demo IdP too, then she lands back on rolegate and bob, then carol, sign in in the same browser', async () => {
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    expect(await whoami(page)).toBe('Alice Example');
    for (const next of ['Bob Example', 'Carol Example']) {
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      // The demo IdP asks, as RP-initiated logout lets it.
      await page.getByRole('button', { name: 'Sign out of the demo IdP' }).click();
      await page.waitForURL(`${url}/login?loggedOut=1`);
      expect(await page.locator('main').textContent()).toContain('You have signed out.');
      await page.getByRole('link', { name: 'Sign in with Demo IdP' }).click();
      // The IdP's session is gone: it asks who is signing in instead of answering as the last person.
      await page.getByRole('button', { name: `Sign in as ${next}` }).click();
      await page.waitForURL((u) => u.href.startsWith(url) && !u.pathname.startsWith('/auth/'));
      await page.locator('.whoami').waitFor();
      expect(await whoami(page)).toBe(next);
    }
    expect(violations).toEqual([]);
    // Three sign-ins and two sign-outs, each several page loads: more than one step's time on a busy machine.
  }, 60_000);

  it('when alice chooses to stay signed in at the demo IdP, then rolegate is signed out and the next sign-in needs no click', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Stay signed in at the demo IdP' }).click();
    await page.waitForURL(`${url}/login?loggedOut=1`);
    await page.getByRole('link', { name: 'Sign in with Demo IdP' }).click();
    await page.waitForURL(`${url}/portal`);
    expect(await whoami(page)).toBe('Alice Example');
  });
});

describe('CLI sessions on the portal', () => {
  it('when alice opens CLI sessions, then she sees each machine, revokes one (its tokens stop at once) and signs out everywhere', async () => {
    // Two `rolegate login`s of alice, on two machines, and another browser of hers.
    const elsewhere = await signInThroughDemoIdp(url, 'alice');
    // cliTokensFor needs only the broker's URL.
    const broker = { url } as unknown as CliBroker;
    const laptop = await cliTokensFor(broker, elsewhere.browser, 'alice-laptop');
    const desktop = await cliTokensFor(broker, elsewhere.browser, 'alice-desktop');
    expect((await me(laptop.access_token)).status).toBe(200);

    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    await page.getByRole('link', { name: 'CLI sessions' }).click();
    await page.waitForURL(`${url}/portal/cli-sessions`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your CLI sessions');
    const machines = () => page.locator('table.cli-sessions tbody th').allTextContents();
    expect((await machines()).map((m) => m.trim().split(/\s+/)[0])).toEqual(['alice-desktop', 'alice-laptop']);
    await page.getByRole('button', { name: /^Revoke the CLI session of alice-laptop/ }).click();
    await page.waitForURL(`${url}/portal/cli-sessions?revoked=1`);
    await expect(page.getByRole('status').textContent()).resolves.toBe('Revoked the CLI session: its tokens no longer work.');
    expect((await machines()).map((m) => m.trim().split(/\s+/)[0])).toEqual(['alice-desktop']);
    expect((await me(laptop.access_token)).status).toBe(401);
    expect((await me(desktop.access_token)).status).toBe(200);
    const revoked = (await auditRows(world.app.t, 'cli.revoke')).at(-1);
    expect(revoked).toMatchObject({ outcome: 'success', subject: 'demo:alice', reason: 'revoked by the user on the portal' });

    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('button', { name: 'Sign out of the demo IdP' }).click();
    await page.waitForURL(`${url}/login?loggedOut=1`);
    expect((await me(desktop.access_token)).status).toBe(401);
    expect((await elsewhere.api('/api/v1/me')).status).toBe(401);
    expect(violations).toEqual([]);
  });

  it('when bob has no CLI session, then the page says so, and revoking someone else’s session is a 404 page', async () => {
    const alice = await signInThroughDemoIdp(url, 'alice');
    const aliceGrant = await cliTokensFor({ url } as unknown as CliBroker, alice.browser, 'alice-box');
    const grantId = (await (await alice.api('/api/v1/cli-sessions')).json()) as { sessions: { id: string; deviceName: string }[] };
    const id = grantId.sessions.find((s) => s.deviceName === 'alice-box')?.id ?? '';
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal/cli-sessions', 'Bob Example');
    expect(await page.locator('main .empty').textContent()).toBe('You have no active CLI session.');
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
    const answer = await page.request.post(`${url}/portal/cli-sessions/revoke`, {
      form: { _csrf: csrf, id },
      headers: { accept: 'text/html', origin: url },
      maxRedirects: 0,
    });
    expect(answer.status()).toBe(404);
    expect(await answer.text()).toContain(`You have no active CLI session ${id}`);
    expect((await me(aliceGrant.access_token)).status).toBe(200);
  });
});

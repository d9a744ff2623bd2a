import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewPageResponse, ReviewView } from '../../src/contracts/access-reviews.js';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD } from '../support/exchange-world.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;
const BREAK_GLASS = `arn:aws:iam::${PROD}:role/breakglass/BreakGlass`;
const READ_ONLY = `arn:aws:iam::${PROD}:role/ReadOnly`;

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
let alice: SignedIn;
let review: ReviewView;

/**
 * prod's owners are aws-readonly: alice (an owner, not an administrator) reviews prod's access in the
 * portal. bob (administrator, aws-admin) opened the campaign; he holds Admin and BreakGlass.
 */
beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  await world.app.t.deps.database.prisma.awsAccount.update({ where: { id: PROD }, data: { owners: ['aws-readonly'] } });
  bob = await world.signIn('bob');
  alice = await world.signIn('alice');
  const opened = await bob.api('/api/v1/admin/reviews', { method: 'POST', body: { scope: { kind: 'account', value: 'prod' } } });
  expect(opened.status).toBe(201);
  review = (await opened.json()) as ReviewView;
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

const entries = async () => ((await (await bob.api(`/api/v1/admin/reviews/${review.id}?limit=100`)).json()) as ReviewPageResponse).entries;
const positionOf = async (kind: 'user' | 'mapping', roleArn: string) => {
  const entry = (await entries()).find((e) => e.kind === kind && e.roleArn === roleArn);
  if (!entry) throw new Error(`no ${kind} entry for ${roleArn}`);
  return entry.position;
};
const decide = (user: SignedIn, position: number, form: Record<string, string>) =>
  user.browser.request(`${world.app.url}/portal/reviews/${review.id}/entries/${String(position)}`, {
    form: { _csrf: user.csrfToken, ...form },
    headers: { accept: 'text/html', origin: world.app.url },
  });

describe('owners decide review entries in the portal', () => {
  it('when alice removes bob → Admin by keyboard with a comment, then it is recorded with her name; a stale tab gets a 409 page', async () => {
    const url = world.app.url;
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal/reviews', 'Alice Example');
    await page.waitForURL(`${url}/portal/reviews`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Reviews waiting for you');
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('Review of account prod');
    // Her own access is listed without buttons: another owner decides it.
    const own = page.getByRole('article', { name: `demo:alice → ${READ_ONLY}` });
    expect(await own.textContent()).toContain('This entry is about your own access: another owner decides it');
    expect(await own.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('article', { name: `aws-readonly → ${READ_ONLY}` }).textContent()).toContain(
      'You hold this role through the group aws-readonly',
    );

    // A second tab, loaded before she decides.
    const stale = await context.newPage();
    await stale.goto(`${url}/portal/reviews`);

    await tabTo(page, page.getByLabel(`Comment on demo:bob → ${ADMIN} (optional)`));
    await page.keyboard.type('bob moved to the data team');
    await page.keyboard.press('Tab'); // Confirm
    await page.keyboard.press('Tab'); // Remove
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Remove demo:bob → ${ADMIN}`);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('decision') === 'remove');
    expect(await page.getByRole('status').textContent()).toMatch(/^You removed entry \d+; it is recorded with your name\.$/);
    expect(await page.getByRole('article', { name: `demo:bob → ${ADMIN}` }).count()).toBe(0);

    // The stale tab confirms the same entry: 409, saying who decided what.
    await tabTo(stale, stale.getByRole('button', { name: `Confirm demo:bob → ${ADMIN}` }));
    const [answer] = await Promise.all([stale.waitForResponse((r) => r.request().method() === 'POST'), stale.keyboard.press('Enter')]);
    expect(answer.status()).toBe(409);
    expect(await stale.getByRole('heading', { level: 1 }).textContent()).toBe('Someone decided first');
    expect(((await stale.locator('main').textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(
      /: remove by demo:alice at \d{4}-\S+ \(“bob moved to the data team”\)/,
    );
    expect(violations).toEqual([]);
    await context.close();

    const decided = (await entries()).find((e) => e.kind === 'user' && e.roleArn === ADMIN);
    expect(decided).toMatchObject({ decision: 'remove', decidedBy: 'demo:alice', comment: 'bob moved to the data team' });
    const trail = (await (await bob.api('/api/v1/admin/audit?type=review.decide&user=demo%3Aalice')).json()) as {
      events: { details: { decision: string; comment?: string } }[];
    };
    expect(trail.events.map((e) => e.details)).toEqual([
      expect.objectContaining({ decision: 'remove', comment: 'bob moved to the data team' }),
    ]);
  }, 120_000);

  it('when alice posts a decision on her own access anyway, then it is a 403 page and nothing is recorded', async () => {
    const position = await positionOf('user', READ_ONLY);
    const res = await decide(alice, position, { decision: 'confirm' });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('Not yours to decide');
    expect(body).toContain('This entry is about your own access: another owner decides it');
    expect((await entries()).find((e) => e.position === position)?.decision).toBeNull();
  });

  it('when two decisions of one entry arrive at once, then one is recorded and the other is a 409 page', async () => {
    const position = await positionOf('mapping', BREAK_GLASS);
    const [one, two] = await Promise.all([
      decide(alice, position, { decision: 'confirm' }),
      decide(alice, position, { decision: 'remove' }),
    ]);
    expect([one.status, two.status].sort()).toEqual([303, 409]);
    const entry = (await entries()).find((e) => e.position === position);
    expect(entry?.decidedBy).toBe('demo:alice');
    expect(entry?.decision).toBe(one.status === 303 ? 'confirm' : 'remove');
  });

  it('when the decision or the comment is malformed, or the caller owns nothing, then a precise 4xx page, never a 500', async () => {
    const position = await positionOf('user', BREAK_GLASS);
    const bad = await decide(alice, position, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Decision: choose Confirm or Remove');
    const long = await decide(alice, position, { decision: 'confirm', comment: 'x'.repeat(1001) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('Comment: at most 1,000 characters');
    const missing = await decide(alice, 9999, { decision: 'confirm' });
    expect(missing.status).toBe(404);
    const garbage = await alice.browser.request(`${world.app.url}/portal/reviews?after=%3Cscript%3E`, { headers: { accept: 'text/html' } });
    expect(garbage.status).toBe(400);
    expect(await garbage.text()).not.toContain('<script>');
    // Without the CSRF token: refused before anything is read.
    const forged = await alice.browser.request(`${world.app.url}/portal/reviews/${review.id}/entries/${String(position)}`, {
      form: { decision: 'confirm' },
      headers: { accept: 'text/html', origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
    // carol owns nothing: her list is empty, and a decision is refused as not an owner.
    const carol = await world.signIn('carol');
    const list = await carol.browser.request(`${world.app.url}/portal/reviews`, { headers: { accept: 'text/html' } });
    expect(await list.text()).toContain('Nothing is waiting for you.');
    const refused = await decide(carol, position, { decision: 'remove' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only members of the account&#39;s owner groups (aws-readonly) decide its entries');
    expect((await entries()).find((e) => e.position === position)?.decision).toBeNull();
  });
});

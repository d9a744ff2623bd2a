import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';
import { startExchangeWorld, type ExchangeWorld } from '../support/exchange-world.js';

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

describe('step-up in a real browser (Chromium, the demo OIDC IdP)', () => {
  it('when bob signed in with a password only steps up with an MFA code, then he is back on the page he left, now with MFA', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/portal`);
    await page.locator('li', { hasText: 'Sign in as Bob Example' }).getByRole('button', { name: 'with a password only' }).click();
    await page.waitForURL((u) => u.href.startsWith(url) && !u.pathname.startsWith('/auth/'));
    const me = async () =>
      (await (await page.request.get(`${url}/api/v1/me`)).json()) as { id: string; authn: { mfa: boolean; methods: string[] } };
    expect(await me()).toMatchObject({ id: 'demo:bob', authn: { mfa: false, methods: ['pwd'] } });
    const before = (await context.cookies()).find((c) => c.name === 'rolegate_session')?.value;

    // The page the user was on, then the step-up: the IdP asks again although its session is live.
    await page.goto(`${url}/portal?q=prod`);
    await page.goto(`${url}/login/step-up?returnTo=${encodeURIComponent('/portal?q=prod')}`);
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
    await page.locator('li', { hasText: 'Sign in as Bob Example' }).getByRole('button', { name: 'with an MFA code' }).click();
    await page.waitForURL(`${url}/portal?q=prod`);
    expect(await me()).toMatchObject({ id: 'demo:bob', authn: { mfa: true, methods: expect.arrayContaining(['pwd', 'otp']) as string[] } });
    expect((await context.cookies()).find((c) => c.name === 'rolegate_session')?.value).not.toBe(before);
  });
});

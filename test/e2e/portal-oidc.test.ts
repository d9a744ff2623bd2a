import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stsClient } from '../support/devstack.js';
import { auditRows } from '../support/login-app.js';
import { signInWithDemoIdp, visibleRoles } from '../support/portal-pages.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';
import { startExchangeWorld, type ExchangeWorld } from '../support/exchange-world.js';

let world: ExchangeWorld;
let chromium: RealBrowser;
let url: string;
beforeAll(async () => {
  [world, chromium] = await Promise.all([
    // The stand-in console is the Console button's destination, so the sign-in never leaves loopback.
    startExchangeWorld((devstack) => Promise.resolve({ ROLEGATE_CONSOLE_URL: devstack.consoleUrl })),
    launchRealBrowser(),
  ]);
  url = world.app.url;
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

describe('the portal in a real browser, signed in through the OIDC IdP', () => {
  it('when alice opens rolegate, then she signs in at the IdP and sees exactly her roles, grouped by account', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/', 'Alice Example');
    expect(new URL(page.url()).pathname).toBe('/portal');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your AWS accounts and roles');
    expect(await visibleRoles(page)).toEqual([
      'prod/BrokerReadOnly',
      'prod/ReadOnly',
      'sandbox/BrokerDeveloper',
      'sandbox/Developer',
      'sandbox/ReadOnly',
      'sandbox/WebIdentityDeveloper',
    ]);
    const whoami = page.locator('.whoami');
    expect(await whoami.textContent()).toContain('Alice Example');
    expect(await whoami.getAttribute('title')).toBe('Groups: aws-dev, aws-readonly');
    expect(await page.locator('.break-glass').count()).toBe(0);
    // The duration selector stops at what the role allows (Developer: 12 h).
    const options = await page.locator('#all-111111111111-Developer-d option').allTextContents();
    expect(options).toEqual(['15 min', '1 h', '2 h', '4 h', '8 h', '12 h']);
  });

  it('when alice types in the search box, then the list filters as she types; without script the ?q= form does the same', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    await page.getByLabel('Find an account or role').pressSequentially('prod read');
    expect(await visibleRoles(page)).toEqual(['prod/BrokerReadOnly', 'prod/ReadOnly']);
    await page.getByLabel('Find an account or role').fill('222222222222');
    expect(await visibleRoles(page)).toEqual(['prod/BrokerReadOnly', 'prod/ReadOnly']);
    await page.getByLabel('Find an account or role').fill('web');
    expect(await visibleRoles(page)).toEqual(['sandbox/WebIdentityDeveloper']);
    await page.getByLabel('Find an account or role').fill('nothing-like-this');
    expect(await visibleRoles(page)).toEqual([]);
    await expect(page.locator('[data-no-match]').isVisible()).resolves.toBe(true);

    const noScript = await chromium.browser.newContext({ javaScriptEnabled: false });
    await noScript.addCookies(await context.cookies());
    const plain = await noScript.newPage();
    await plain.goto(`${url}/portal`);
    await plain.getByLabel('Find an account or role').fill('developer');
    await plain.getByRole('button', { name: 'Search' }).click();
    await plain.waitForURL(/\/portal\?q=developer$/);
    expect(await visibleRoles(plain)).toEqual(['sandbox/BrokerDeveloper', 'sandbox/Developer', 'sandbox/WebIdentityDeveloper']);
  });

  it('when a role alice searches for is pinned, then the counter counts it once, with script and without', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const star = page.locator('section.account').getByRole('button', { name: 'Favourite Developer in sandbox' });
    if ((await star.getAttribute('aria-pressed')) !== 'true') {
      await star.click();
      await page.waitForURL(`${url}/portal`);
    }
    expect(await page.locator('section.pinned .role-name').allTextContents()).toContain('Developer');
    await page.getByLabel('Find an account or role').fill('developer');
    // BrokerDeveloper, Developer (also pinned) and WebIdentityDeveloper: three roles, four rows.
    await expect(page.locator('#filter-status').textContent()).resolves.toBe('3 of 6 roles match “developer”');
    expect(await page.locator('li.role:visible').count()).toBe(4);
    const plain = await (await chromium.browser.newContext({ javaScriptEnabled: false })).newPage();
    await plain.context().addCookies(await context.cookies());
    await plain.goto(`${url}/portal?q=developer`);
    expect((await plain.locator('#filter-status').textContent())?.trim()).toBe('3 of 6 roles match “developer”');
  });

  it('when alice opens the CLI panel, then she reads working credentials in four formats, a countdown, and the page is not stored', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const row = page.locator('section.account li.role').filter({ has: page.locator('.role-name', { hasText: /^Developer$/ }) });
    await row.getByLabel('Session').selectOption('7200');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${url}/portal/credentials`),
      row.getByRole('button', { name: 'CLI credentials for Developer in sandbox' }).click(),
    ]);
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(page.url()).toBe(`${url}/portal/credentials`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/^CLI credentials for Developer in sandbox/);
    const bash = (await page.locator('#bash').textContent()) ?? '';
    const value = (name: string) => new RegExp(`^export ${name}=(.+)$`, 'm').exec(bash)?.[1] ?? '';
    const credentials = {
      accessKeyId: value('AWS_ACCESS_KEY_ID'),
      secretAccessKey: value('AWS_SECRET_ACCESS_KEY'),
      sessionToken: value('AWS_SESSION_TOKEN'),
    };
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    const identity = await stsClient(world.devstack.stsUrl, credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toMatch(/^arn:aws:sts::111111111111:assumed-role\/Developer\//);
    expect(await page.locator('#powershell').textContent()).toContain(`$Env:AWS_ACCESS_KEY_ID="${credentials.accessKeyId}"`);
    expect(await page.locator('#credentials-file').textContent()).toContain(
      `[sandbox-Developer]\naws_access_key_id = ${credentials.accessKeyId}`,
    );
    expect(await page.locator('#config-file').textContent()).toBe(
      '[profile sandbox-Developer]\ncredential_process = rolegate credential-process --account 111111111111 --role Developer',
    );
    expect(await page.locator('button[data-copy]:visible').count()).toBe(4);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    await page.getByRole('button', { name: 'Copy' }).first().click();
    await page.locator('button[data-copy="bash"]', { hasText: /^Cop(ied|y failed)/ }).waitFor();
    expect(await page.locator('button[data-copy="bash"]').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(bash);
    await expect(page.locator('[data-countdown]').textContent()).resolves.toMatch(/^Expires in (1 h 59|2 h 00) min \d\d s\.$/);
    expect(await page.locator('.expiry time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('when alice clicks Console, then a new tab lands on the console destination signed in as the role, and the role is pinned as recently used', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const row = page
      .locator('section.account li.role')
      .filter({ has: page.locator('.role-name', { hasText: /^ReadOnly$/ }) })
      .last();
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      row.getByRole('button', { name: 'Open the AWS console as ReadOnly in sandbox (new tab)' }).click(),
    ]);
    await tab.waitForURL(`${world.devstack.consoleUrl}home?region=us-east-1`);
    await expect(tab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Signed in to the devstack console');
    expect(await tab.locator('dl').textContent()).toContain('ReadOnly');
    const row2 = (await auditRows(world.app.t, 'console.url_issued')).at(-1);
    expect(row2).toMatchObject({ outcome: 'success', subject: 'demo:alice', accountId: '111111111111' });
    await page.reload();
    expect(await page.locator('section.pinned .role-name').allTextContents()).toContain('ReadOnly');
  });

  it('when alice stars a role, then it is pinned on top across page loads', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    await page.getByRole('button', { name: 'Favourite WebIdentityDeveloper in sandbox' }).first().click();
    await page.waitForURL(`${url}/portal`);
    expect(await page.locator('section.pinned .role-name').allTextContents()).toContain('WebIdentityDeveloper');
    const star = page.locator('section.account').getByRole('button', { name: 'Favourite WebIdentityDeveloper in sandbox' });
    expect(await star.getAttribute('aria-pressed')).toBe('true');
  });

  it('when bob uses the break-glass role, then a justification is asked for first and the one he gives is audited', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Bob Example');
    await expect(page.locator('.break-glass h2').textContent()).resolves.toContain('Break-glass roles');
    const before = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob' && r.outcome === 'success');
    await page.locator('.break-glass').getByRole('button', { name: 'CLI credentials for BreakGlass in prod' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('⚠ Break-glass role: BreakGlass');
    const after = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob' && r.outcome === 'success');
    expect(after.length).toBe(before.length);
    const justification = 'INC-2042: restore the deleted bucket policy';
    await page.getByLabel(/^Justification/).fill(justification);
    await page.getByRole('button', { name: 'Justify and get CLI credentials' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/^CLI credentials for BreakGlass in prod/);
    const issued = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob').at(-1);
    expect(issued?.details).toMatchObject({ breakGlass: true, justification });
  });

  it('when bob clicks Console on the break-glass role, then the new tab asks for a justification and then lands on the console', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Bob Example');
    const [tab] = await Promise.all([
      context.waitForEvent('page'),
      page.locator('.break-glass').getByRole('button', { name: 'Open the AWS console as BreakGlass in prod (new tab)' }).click(),
    ]);
    await expect(tab.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('⚠ Break-glass role: BreakGlass');
    const justification = 'INC-2043: inspect the failing deployment in prod';
    await tab.getByLabel(/^Justification/).fill(justification);
    await tab.getByRole('button', { name: 'Justify and open the console' }).click();
    await tab.waitForURL(`${world.devstack.consoleUrl}home?region=us-east-1`);
    expect(await tab.locator('dl').textContent()).toContain('BreakGlass');
    const issued = (await auditRows(world.app.t, 'credentials.issue')).filter((r) => r.subject === 'demo:bob').at(-1);
    expect(issued?.details).toMatchObject({ breakGlass: true, justification });
  });

  it('when carol, who has no roles, signs in, then she sees a page saying so', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Carol Example');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('You have no AWS roles yet');
    expect(await page.locator('main').textContent()).toContain('sent no groups');
  });

  it('when alice signs out, then the session is gone: the portal sends her to sign in and the old cookie gets 401', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const cookie = (await context.cookies()).find((c) => c.name === 'rolegate_session');
    expect(cookie).toBeDefined();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/auth/logout'));
    expect((await context.cookies()).find((c) => c.name === 'rolegate_session')).toBeUndefined();
    const me = await fetch(`${url}/api/v1/me`, { headers: { cookie: `rolegate_session=${cookie?.value ?? ''}` } });
    expect(me.status).toBe(401);
    const portal = await context.request.get(`${url}/portal`, { maxRedirects: 0 });
    expect(portal.status()).toBe(303);
    expect(portal.headers().location).toBe('/login?returnTo=%2Fportal');
  });

  it('when the session cookie names an ended session, then the portal asks to sign in again and comes back', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/portal?q=prod', 'Alice Example');
    expect(new URL(page.url()).search).toBe('?q=prod');
    const cookie = (await context.cookies()).find((c) => c.name === 'rolegate_session');
    const session = await world.app.t.deps.sessions.get(cookie?.value ?? '');
    if (session) await world.app.t.deps.sessions.end(session);
    const response = await fetch(`${url}/portal?q=prod`, {
      headers: { cookie: `rolegate_session=${cookie?.value ?? ''}` },
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login?returnTo=%2Fportal%3Fq%3Dprod&expired=1');
    // Still signed in at the IdP (same browser), so the round trip needs no click: back where she was.
    await page.goto(`${url}/portal?q=prod`);
    await page.waitForURL(`${url}/portal?q=prod`);
    expect(await visibleRoles(page)).toEqual(['prod/BrokerReadOnly', 'prod/ReadOnly']);
  });

  it('when alice uses only the keyboard, then a skip link comes first, focus is visible, and the search box and buttons are reachable', async () => {
    const page = await (await chromium.newContext()).newPage();
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const outline = await page.evaluate(() => (document.activeElement ? getComputedStyle(document.activeElement).outlineWidth : ''));
    expect(outline).toBe('3px');
    await page.locator('#q').focus();
    await page.keyboard.type('sandbox web');
    await page.keyboard.press('Tab'); // the Search button
    await page.keyboard.press('Tab'); // the first visible role's Session selector (pinned, if another test starred it)
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/^(pin|all)-111111111111-WebIdentityDeveloper-d$/);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement?.textContent ?? '').trim())).toBe('Console');
    // Every control has a label.
    const unlabelled = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea')).filter(
          (el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'),
        ).length,
    );
    expect(unlabelled).toBe(0);
  });

  it('serves every portal page under the strict CSP, with no inline script or style', async () => {
    const page = await (await chromium.newContext()).newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await signInWithDemoIdp(page, url, '/portal', 'Alice Example');
    const res = await page.goto(`${url}/portal`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(res?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(await page.locator('[style]').count()).toBe(0);
    expect(violations).toEqual([]);
  });
});

import type { Page, Response as PageResponse } from 'playwright-core';

/** Signs a demo user in through the demo OIDC IdP's sign-in page, starting anywhere on rolegate. */
export async function signInWithDemoIdp(page: Page, rolegateUrl: string, startPath: string, displayName: string): Promise<void> {
  await page.goto(`${rolegateUrl}${startPath}`);
  await page.getByRole('button', { name: `Sign in as ${displayName}` }).click();
  await page.waitForURL((url) => url.href.startsWith(rolegateUrl) && !url.pathname.startsWith('/auth/'));
}

/** Role names shown under "All accounts" and not hidden by the filter. */
export async function visibleRoles(page: Page): Promise<string[]> {
  const rows = page.locator('section[aria-labelledby="accounts-h"] li.role:visible');
  const out: string[] = [];
  for (const row of await rows.all()) {
    const account = (await row.locator('xpath=ancestor::section[contains(@class,"account")][1]//h3').textContent()) ?? '';
    out.push(`${account.trim().split(/\s+/)[0] ?? ''}/${(await row.locator('.role-name').textContent()) ?? ''}`);
  }
  return out;
}

/** Clicks and returns the answer to the form POST the click sends to `path`. */
export async function submitting(page: Page, path: string, click: () => Promise<void>): Promise<PageResponse> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'POST'),
    click(),
  ]);
  return response;
}

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminWorld } from '../support/admin-world.js';
import type { ExchangeWorld, SignedIn } from '../support/exchange-world.js';
import { PROD } from '../support/exchange-world.js';
import { signInWithDemoIdp } from '../support/portal-pages.js';
import { cspViolations } from '../support/portal-session.js';
import { launchRealBrowser, type RealBrowser } from '../support/real-browser.js';

const ADMIN = `arn:aws:iam::${PROD}:role/Admin`;

/** Presses Tab (at most `max` times) until `target` has the focus: the page is reached by keyboard alone. */
async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target.toString()}`);
}

/** Tabs to a field and types into it (replacing what it held). */
async function typeInto(page: Page, label: string, text: string): Promise<void> {
  await tabTo(page, page.getByLabel(label, { exact: true }));
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
}

interface MappingView {
  id: string;
  version: number;
  group: string;
  role: string;
  [field: string]: unknown;
}

let world: ExchangeWorld;
let chromium: RealBrowser;
let bob: SignedIn;
beforeAll(async () => {
  [world, chromium] = await Promise.all([startAdminWorld(), launchRealBrowser()]);
  bob = await world.signIn('bob');
}, 90_000);
afterAll(async () => {
  await chromium.close();
  await world.close();
});

const mappingsOf = async (group: string): Promise<MappingView[]> =>
  ((await (await bob.api('/api/v1/admin/mappings')).json()) as { mappings: MappingView[] }).mappings.filter((m) => m.group === group);

describe('editing access on the admin pages (Chromium, keyboard only)', () => {
  it('when bob adds an eligible mapping, fixes the field the page names, edits it, meets a stale form and deletes it, then each step says what happened', async () => {
    const url = world.app.url;
    const context = await chromium.newContext();
    const violations = cspViolations(context);
    const page = await context.newPage();
    await signInWithDemoIdp(page, url, '/admin/access', 'Bob Example');
    await page.waitForURL(`${url}/admin/access`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Edit access');
    expect(await page.getByRole('link', { name: 'Edit access' }).getAttribute('aria-current')).toBe('page');

    // Add: the form, by keyboard.
    await tabTo(page, page.getByRole('link', { name: 'Add a mapping' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/admin/access/mappings/new`);
    await typeInto(page, 'Group', 'team-sre');
    await typeInto(page, 'Role ARN', ADMIN);
    await tabTo(page, page.getByLabel('Access', { exact: true }));
    await page.keyboard.press('ArrowDown'); // standing → eligible
    expect(await page.getByLabel('Access', { exact: true }).inputValue()).toBe('eligible');
    await tabTo(page, page.getByLabel('Require MFA'));
    await page.keyboard.press('Space');
    await typeInto(page, 'MFA at most this old, seconds', '900');
    await typeInto(page, 'Allowed source networks', '10.0.0.0/8');
    await typeInto(page, 'Approver groups', 'sre-leads');
    await tabTo(page, page.getByLabel('Approvals needed'));
    await page.keyboard.press('ArrowDown'); // 1 → 2
    await typeInto(page, 'Longest grant', '9d');
    await page.keyboard.press('Enter');

    // The page names the field, in the API's words, and keeps what was typed.
    const grant = page.getByLabel('Longest grant');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain(
      'The mapping was not saved: approval.maxGrant: expected a duration from 15m to 7d, such as 4h, 90m or 1h30m',
    );
    expect(await grant.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await grant.getAttribute('aria-describedby')) ?? '';
    const beside = await page.locator(`[id="${describedBy.split(' ').find((id) => id.endsWith('-error')) ?? ''}"]`).textContent();
    expect(beside).toBe('expected a duration from 15m to 7d, such as 4h, 90m or 1h30m');
    expect(await page.getByLabel('Group', { exact: true }).inputValue()).toBe('team-sre');
    expect(await page.getByLabel('Require MFA').isChecked()).toBe(true);
    expect(await page.getByLabel('Approvals needed').inputValue()).toBe('2');

    await page.keyboard.press('Shift+Tab'); // focus away, then back to the field by Tab alone
    await typeInto(page, 'Longest grant', '4h');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/access\?saved=mapping&id=/);
    expect(await page.getByRole('status').textContent()).toBe(`Saved the mapping team-sre → ${ADMIN} (version 1).`);
    const [created] = await mappingsOf('team-sre');
    expect(created).toMatchObject({
      version: 1,
      role: ADMIN,
      access: 'eligible',
      requireMfa: true,
      mfaMaxAgeSeconds: 900,
      allowedCidrs: ['10.0.0.0/8'],
      approval: { approverGroups: ['sre-leads'], approvals: 2, maxGrant: '4h', reasonRequired: true },
    });

    // Edit: cap the sessions.
    await tabTo(page, page.getByRole('link', { name: `Edit mapping team-sre → ${ADMIN}` }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/admin/access/mappings/${created?.id ?? ''}`);
    await typeInto(page, 'Longest session, seconds', '1800');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/access\?saved=mapping/);
    expect(await page.getByRole('status').textContent()).toBe(`Saved the mapping team-sre → ${ADMIN} (version 2).`);

    // A stale form: opened at version 2, then someone else changes the mapping through the API.
    await tabTo(page, page.getByRole('link', { name: `Edit mapping team-sre → ${ADMIN}` }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/admin/access/mappings/${created?.id ?? ''}`);
    const { id: _id, version: _version, ...fields } = (await mappingsOf('team-sre'))[0] ?? ({} as MappingView);
    const other = await bob.api(`/api/v1/admin/mappings/${created?.id ?? ''}`, {
      method: 'PUT',
      headers: { 'if-match': '"2"' },
      body: { ...fields, allowedCidrs: ['10.1.0.0/16'] },
    });
    expect(other.status).toBe(200);
    await typeInto(page, 'Longest session, seconds', '3600');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Conflict: the mapping changed since you read it' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(
      /You read version 2; it is now at\s+version\s+3\.\s+Nothing was overwritten\./,
    );
    expect(await page.getByLabel('Your version', { exact: true }).textContent()).toContain('maxSessionSeconds: 3600');
    expect(await page.getByLabel('Current version', { exact: true }).textContent()).toContain('- 10.1.0.0/16');
    expect((await mappingsOf('team-sre'))[0]).toMatchObject({ version: 3, maxSessionSeconds: 1800, allowedCidrs: ['10.1.0.0/16'] });

    // Saving over version 3 is a deliberate button press.
    await tabTo(page, page.getByRole('button', { name: 'Save your version over version 3' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/access\?saved=mapping/);
    expect(await page.getByRole('status').textContent()).toBe(`Saved the mapping team-sre → ${ADMIN} (version 4).`);
    expect((await mappingsOf('team-sre'))[0]).toMatchObject({ version: 4, maxSessionSeconds: 3600, allowedCidrs: ['10.0.0.0/8'] });

    // Delete, after a confirmation that shows the mapping.
    await tabTo(page, page.getByRole('link', { name: `Delete mapping team-sre → ${ADMIN}` }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: `Delete mapping team-sre → ${ADMIN}?` }).waitFor();
    expect(await page.getByLabel('The mapping', { exact: true }).textContent()).toContain('group: team-sre');
    await tabTo(page, page.getByRole('button', { name: 'Delete the mapping' }));
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/admin/access?deleted=mapping`);
    expect(await page.getByRole('status').textContent()).toBe('Deleted the mapping.');
    expect(await mappingsOf('team-sre')).toEqual([]);

    // Every step is in the audit trail as a page edit by bob.
    const audit = (await (await bob.api('/api/v1/admin/audit?type=admin.mapping.&limit=20')).json()) as {
      events: { type: string; subject: string; details: { via: string } }[];
    };
    expect(audit.events.map((e) => `${e.type} ${e.details.via}`).reverse()).toEqual([
      'admin.mapping.add page',
      'admin.mapping.change page',
      'admin.mapping.change api',
      'admin.mapping.change page',
      'admin.mapping.remove page',
    ]);
    expect(new Set(audit.events.map((e) => e.subject))).toEqual(new Set(['demo:bob']));
    expect(violations).toEqual([]);
    await context.close();
  }, 120_000);
});

describe('the edit pages when access is managed as code (Chromium, keyboard only)', () => {
  it('when bob fills in a mapping, then the page checks it and shows the YAML to commit, and nothing is saved', async () => {
    const asCode = await startAdminWorld({ ROLEGATE_ACCESS_AS_CODE: 'true' });
    try {
      const url = asCode.app.url;
      const context = await chromium.newContext();
      const violations = cspViolations(context);
      const page = await context.newPage();
      await signInWithDemoIdp(page, url, '/admin/access/mappings/new', 'Bob Example');
      await page.waitForURL(`${url}/admin/access/mappings/new`);
      expect(await page.getByRole('note').first().textContent()).toMatch(/The access model is managed as code/);
      await typeInto(page, 'Group', 'team-sre');
      await typeInto(page, 'Role ARN', ADMIN);
      await tabTo(page, page.getByLabel('Require MFA'));
      await page.keyboard.press('Space');
      await tabTo(page, page.getByRole('button', { name: 'Check and show the YAML' }));
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { level: 1, name: `The file to apply: add mapping team-sre → ${ADMIN}` }).waitFor();
      const fragment = (await page.getByLabel('YAML fragment').textContent()) ?? '';
      expect(fragment).toContain('- group: team-sre');
      expect(fragment).toContain('requireMfa: true');
      expect(await page.getByLabel('Commands').textContent()).toContain('rolegate apply -f access.yaml --dry-run');
      const bobThere = await asCode.signIn('bob');
      const stored = ((await (await bobThere.api('/api/v1/admin/mappings')).json()) as { mappings: MappingView[] }).mappings;
      expect(stored.filter((m) => m.group === 'team-sre')).toEqual([]);
      expect(violations).toEqual([]);
      await context.close();
    } finally {
      await asCode.close();
    }
  }, 120_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeCompany, renderAccessFile } from '../../../bench/fixtures/large-company.mjs';
import type { Principal } from '../../../src/domain/principal.js';
import { createTestApp, type TestApp } from '../../support/app.js';

// GET /portal for someone entitled to 506 roles (a company of 500 accounts, alice's groups mapped to
// one role in each, over the demo model): one page of 50 roles and a pager, the search over all of
// them, and every odd page or search answered 200 or a precise 400, never a 500.

const demo = parse(readFileSync(new URL('../../../config/demo-access.yaml', import.meta.url), 'utf8')) as Record<string, never>;
const company = largeCompany({ accounts: 500, mappings: 1250, aliceRoles: 500, base: demo });
// This app has no identity provider `demo` for the few mappings restricted to it to name.
for (const mapping of company.document.mappings) delete (mapping as { idp?: string }).idp;
const principal: Principal = {
  id: 'demo:alice',
  idp: 'demo',
  subject: 'alice',
  username: 'alice',
  displayName: 'Alice Example',
  groups: company.people.alice.groups,
  authn: { methods: ['pwd'], mfa: false, authenticatedAt: Date.now() },
};

let t: TestApp;
let dir: string;
let cookie: string;
let csrfToken: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolegate-portal-paging-'));
  const file = join(dir, 'company.yaml');
  writeFileSync(file, renderAccessFile(company.document));
  t = await createTestApp({ ROLEGATE_ACCESS_FILE: file });
  const { cookieValue, session } = await t.deps.sessions.create({ principal, ttlMs: 600_000, idpSession: { kind: 'oidc' } });
  cookie = `rolegate_session=${cookieValue}`;
  csrfToken = session.csrfToken;
}, 60_000);
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const portal = (query = '') => request(t.app).get(`/portal${query}`).set('Cookie', cookie).set('Accept', 'text/html');
/** `account alias/role name` of the rows under "All accounts", in order. */
const listed = (page: string) => {
  const accounts = /id="accounts-h"([\s\S]*?)data-no-match/.exec(page)?.[1] ?? '';
  return [...accounts.matchAll(/data-role="(\d{12})\/([^"]+)"/g)].map((m) => `${m[1] ?? ''}/${m[2] ?? ''}`);
};
const status = (page: string) => /<p id="filter-status"[^>]*>\s*([^<]*?)\s*<\/p>/.exec(page)?.[1] ?? '';

describe('the portal of a person with 506 roles', () => {
  it('when alice opens it, then one page of 50 roles is rendered with a pager, not every role', async () => {
    const res = await portal();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const rows = listed(res.text);
    expect(rows).toHaveLength(50);
    expect(new Set(rows).size).toBe(50);
    expect(Buffer.byteLength(res.text)).toBeLessThan(200_000);
    expect(res.text).toContain('Roles 1–50 of 506 roles · page 1 of 11');
    expect(res.text).toContain('<a href="/portal?page=2" rel="next">Next →</a>');
    expect(res.text).toMatch(/<a href="\/portal" aria-current="page" aria-label="Page 1, this page">1<\/a>/);
    // Not every role is here: the script must ask the server rather than filter the page.
    expect(res.text).not.toMatch(/<div id="results"[^>]*data-complete/);
  });

  it('when her browser asks for the search index, then it holds every role she can search, for her session only, never stored', async () => {
    const res = await request(t.app).get('/portal/search-index').set('Cookie', cookie).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const index = res.body as { total: number; rows: [string, string][] };
    expect(index.total).toBe(506);
    expect(new Set(index.rows.map(([key]) => key)).size).toBe(506);
    // The count the browser finds in it is the server's.
    const matching = new Set(index.rows.filter(([, text]) => text.includes('payments') && text.includes('read')).map(([key]) => key)).size;
    expect(status((await portal('?q=payments%20read')).text)).toBe(`${String(matching)} of 506 roles match “payments read”`);
    const anonymous = await request(t.app).get('/portal/search-index').set('Accept', 'application/json');
    expect(anonymous.status).toBe(303);
    expect(anonymous.text).not.toContain('payments');
  });

  it('when she pages through, then every role comes exactly once, the last page holding the rest', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 11; page++) seen.push(...listed((await portal(`?page=${String(page)}`)).text));
    expect(seen).toHaveLength(506);
    expect(new Set(seen).size).toBe(506);
    const last = (await portal('?page=11')).text;
    expect(last).toContain('Roles 501–506 of 506 roles · page 11 of 11');
    expect(last).toContain('<a href="/portal?page=10" rel="prev">← Previous</a>');
    expect(last).not.toContain('rel="next"');
  });

  it('when she searches, then the search runs over every role, counts each once, and its pages keep the search', async () => {
    const res = await portal('?q=payments%20read');
    expect(res.status).toBe(200);
    // payments is every tenth account: 50 of alice's company roles are there, ReadOnly in each.
    expect(status(res.text)).toBe('50 of 506 roles match “payments read”');
    expect(listed(res.text).every((key) => key.endsWith('/ReadOnly'))).toBe(true);
    const wide = await portal('?q=read&page=2');
    expect(status(wide.text)).toMatch(/^\d+ of 506 roles match “read”$/);
    expect(wide.text).toContain('<a href="/portal?q=read&amp;page=3" rel="next">');
    expect(wide.text).toContain('matching roles · page 2 of');
  });

  it('when she stars a role on a later page, then she comes back to that page and the role is pinned on page 1, counted once', async () => {
    const page7 = (await portal('?page=7')).text;
    const key = listed(page7)[3] ?? '';
    const [accountId, role] = key.split('/');
    const res = await request(t.app)
      .post('/portal/favourites')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfToken, accountId, role, page: '7' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/portal?page=7');
    const first = (await portal()).text;
    const pinned = /<section class="pinned"[\s\S]*?<\/section>/.exec(first)?.[0] ?? '';
    expect(pinned).toContain(`data-role="${key}"`);
    expect(listed(first)).toHaveLength(50);
    const alias = company.document.accounts.find((a) => a.id === accountId)?.alias ?? '';
    const searched = (await portal(`?q=${encodeURIComponent(`${alias} ${role ?? ''}`)}`)).text;
    expect(searched).toContain('<section class="pinned"');
    expect(status(searched)).toBe(`1 of 506 roles match “${alias} ${role ?? ''}”`);
  });

  it.each([
    ['?page=999999999', 'Roles 501–506 of 506 roles · page 11 of 11'],
    ['?q=payments&page=50', '50 of 506 roles match “payments”'],
    ['?q=%20%20', 'Roles 1–50 of 506 roles'],
  ])('when the page is past the end or the search blank (%s), then 200 and the last page or the whole list', async (query, text) => {
    const res = await portal(query);
    expect(res.status).toBe(200);
    expect(res.text).toContain(text);
  });

  it.each([
    ['?page=0', 'page: expected a page number (1, 2, …)'],
    ['?page=-3', 'page: expected a page number (1, 2, …)'],
    ['?page=1.5', 'page: expected a page number (1, 2, …)'],
    ['?page=abc', 'page: expected a page number (1, 2, …)'],
    ['?page=99999999999999999999999', 'page: expected a page number (1, 2, …)'],
    ['?page=1&page=2', 'page: expected one page number'],
    [`?q=${'a'.repeat(201)}`, 'q: expected at most 200 characters'],
    ['?q=a&q=b', 'q: expected one search text'],
  ])('when the query is %s, then 400 with a portal page naming the problem', async (query, detail) => {
    const res = await portal(query);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain(detail);
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('when an API client sends a bad page, then the 400 is problem+json', async () => {
    const res = await request(t.app).get('/portal?page=-1').set('Cookie', cookie).set('Accept', 'application/json');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'invalid_request' });
  });

  it('when the search is absurd (markup, 200 characters of words, control characters), then 200, escaped, nothing matches', async () => {
    const words = Array.from({ length: 66 }, (_, i) => `w${String(i)}`)
      .join(' ')
      .slice(0, 200);
    for (const q of ['"><script>alert(1)</script>', words, 'read\u0000\u0007', '%%%', '\\']) {
      const res = await portal(`?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>alert(1)');
      expect(status(res.text)).toMatch(/^0 of 506 roles match “/);
      expect(res.text).toContain('No role matches');
      expect(res.text).not.toContain('class="pager"');
    }
  });

  it('when a favourite is toggled with a bad page or an overlong search, then 400, nothing stored', async () => {
    const before = await t.deps.preferences.get(principal.id);
    for (const extra of [{ page: '0' }, { page: 'x' }, { q: 'q'.repeat(201) }]) {
      const res = await request(t.app)
        .post('/portal/favourites')
        .set('Cookie', cookie)
        .set('Accept', 'text/html')
        .type('form')
        .send({ _csrf: csrfToken, accountId: '111111111111', role: 'Developer', ...extra });
      expect(res.status).toBe(400);
    }
    expect(await t.deps.preferences.get(principal.id)).toEqual(before);
  });
});

import { describe, expect, it } from 'vitest';
import type { AccountRoles, EntitledRole, RolesResponse } from '../../../src/contracts/roles.js';
import { listPortalRoles, portalSearchIndex, searchWords } from '../../../src/features/portal/role-listing.js';

const role = (name: string, extra: Partial<EntitledRole> = {}): EntitledRole => ({
  name,
  arn: `arn:aws:iam::111111111111:role/${name}`,
  description: `${name} role`,
  mode: 'saml',
  maxSessionSeconds: 3600,
  breakGlass: false,
  mfaRequired: false,
  viaGroups: ['g'],
  ...extra,
});
const account = (i: number, roles: EntitledRole[], extra: Partial<AccountRoles> = {}): AccountRoles => ({
  id: String(100_000_000_000 + i),
  alias: `acct-${String(i)}`,
  partition: 'aws',
  region: 'us-east-1',
  roles,
  denied: [],
  ...extra,
});
/** 12 accounts of 2 roles, a break-glass role in the first, an eligible role in the second: 26 roles. */
const roles: RolesResponse = {
  accounts: Array.from({ length: 12 }, (_, i) =>
    account(i, [role('Developer'), role('ReadOnly'), ...(i === 0 ? [role('BreakGlass', { breakGlass: true })] : [])], {
      ...(i === 1
        ? {
            eligible: [
              {
                name: 'Admin',
                arn: 'arn:aws:iam::100000000001:role/Admin',
                description: 'Admin role',
                maxGrantSeconds: 3600,
                approvalsNeeded: 1,
                reasonRequired: true,
                approverGroups: ['a'],
                viaGroups: ['g'],
              },
            ],
          }
        : {}),
    }),
  ),
};
const none = { favourites: [], recent: [] };
const keys = (rows: { key: string }[]) => rows.map((r) => r.key);

describe('listPortalRoles', () => {
  it('when the roles fit on one page and there is no search, then every role is listed, break-glass last, and the page is complete', () => {
    const listing = listPortalRoles(roles, none, { q: '', page: 1, requests: true });
    expect(listing).toMatchObject({ total: 26, matching: 26, page: 1, pageCount: 1, complete: true });
    expect(listing.items.at(-1)?.key).toBe('100000000000/BreakGlass');
    expect(listing.items.filter((r) => r.kind === 'eligible').map((r) => r.key)).toEqual(['100000000001/Admin']);
  });

  it('when requests cannot be made, then eligible roles are neither listed nor counted', () => {
    expect(listPortalRoles(roles, none, { q: '', page: 1, requests: false }).total).toBe(25);
  });

  it('when the roles do not fit, then pages of pageSize cover every role once; a page past the end is the last one', () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const listing = listPortalRoles(roles, none, { q: '', page, requests: true, pageSize: 10 });
      expect(listing).toMatchObject({ pageCount: 3, page, offset: (page - 1) * 10, complete: false });
      seen.push(...keys(listing.items));
    }
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect(listPortalRoles(roles, none, { q: '', page: 10 ** 9, requests: true, pageSize: 10 })).toMatchObject({ page: 3, offset: 20 });
    expect(listPortalRoles(roles, none, { q: '', page: -4, requests: true, pageSize: 10 }).page).toBe(1);
  });

  it('when searching, then every word must match, over every page, and a search is never complete', () => {
    const listing = listPortalRoles(roles, none, { q: '  acct-1 READ ', page: 1, requests: true, pageSize: 2 });
    // acct-1, acct-10, acct-11: their ReadOnly roles.
    expect(listing).toMatchObject({ q: 'acct-1 READ', matching: 3, total: 26, pageCount: 2, complete: false });
    expect(keys(listing.items)).toEqual(['100000000001/ReadOnly', '100000000010/ReadOnly']);
    expect(listPortalRoles(roles, none, { q: 'admin', page: 1, requests: true }).items.map((r) => r.kind)).toEqual(['eligible']);
  });

  it('when roles are favourites or recently used, then they are pinned on page 1 only, once, favourites first, never break-glass, and counted once', () => {
    const prefs = {
      favourites: ['100000000011/ReadOnly', 'gone/Role'],
      recent: ['100000000000/BreakGlass', '100000000011/ReadOnly', '100000000005/Developer'],
    };
    const first = listPortalRoles(roles, prefs, { q: '', page: 1, requests: true, pageSize: 10 });
    expect(keys(first.pinned)).toEqual(['100000000011/ReadOnly', '100000000005/Developer']);
    expect(first.favourites.has('100000000011/ReadOnly')).toBe(true);
    expect(listPortalRoles(roles, prefs, { q: '', page: 2, requests: true, pageSize: 10 }).pinned).toEqual([]);
    const searched = listPortalRoles(roles, prefs, { q: 'acct-11 read', page: 1, requests: true });
    expect(keys(searched.pinned)).toEqual(['100000000011/ReadOnly']);
    expect(searched.matching).toBe(1);
  });
});

describe('portalSearchIndex', () => {
  it('when the browser counts a search in the index, then it finds the count the server pages', () => {
    for (const requests of [true, false]) {
      const index = portalSearchIndex(roles, { requests });
      for (const q of ['', 'read', 'ACCT-1 dev', 'admin', 'glass', '100000000011 readonly', 'nothing']) {
        const words = searchWords(q);
        const counted = new Set(index.rows.filter(([, text]) => words.every((w) => text.includes(w))).map(([key]) => key)).size;
        const listing = listPortalRoles(roles, none, { q, page: 1, requests, pageSize: 10 });
        expect({ q, requests, total: index.total, matching: counted }).toEqual({
          q,
          requests,
          total: listing.total,
          matching: listing.matching,
        });
      }
    }
  });
});

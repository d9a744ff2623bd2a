import type { AccountRoles, EligibleRole, EntitledRole, RolesResponse } from '../../contracts/roles.js';
import { roleKey, type RolePrefs } from './role-preferences.js';

/** How many roles one portal page lists (pinned roles come on top of page 1, beside these). */
export const PORTAL_PAGE_SIZE = 50;
/** The longest search the portal takes (the box's maxlength): longer is refused with 400. */
export const PORTAL_QUERY_MAX = 200;

/** A role the portal lists: one the caller may take now, or (just-in-time access) one they may request. */
export type ListedRole =
  | { kind: 'standing'; account: AccountRoles; role: EntitledRole; key: string; search: string }
  | { kind: 'eligible'; account: AccountRoles; role: EligibleRole; key: string; search: string };

/** One page of the portal's role list, with what the search matched over the whole list. */
export interface RoleListing {
  /** The search as given (trimmed); '' for none. */
  q: string;
  /** Roles listed without a search (standing and, where requests can be made, eligible), each once. */
  total: number;
  /** Roles the search matches, each once (a pinned role is listed twice but counted once). */
  matching: number;
  /** Favourites, then recently used, that the search matches: on page 1 only. */
  pinned: ListedRole[];
  /** This page's roles, in list order: each account's standing then eligible roles, break-glass roles last. */
  items: ListedRole[];
  /** 1-based; a page past the end is the last page. */
  page: number;
  pageCount: number;
  /** The position of `items[0]` in the matching roles (0-based). */
  offset: number;
  /** Every role is on this page and there is no search: a script may filter the page without asking the server. */
  complete: boolean;
  /** Role keys of the favourites (stars). */
  favourites: ReadonlySet<string>;
}

/** Text the search box matches: account alias and id, role name, description. */
export function searchText(row: { account: { alias: string; id: string }; role: { name: string; description: string } }): string {
  return `${row.account.alias} ${row.account.id} ${row.role.name} ${row.role.description}`.toLowerCase();
}

/** The words of a search: every one must appear (`prod read` finds ReadOnly in prod). */
export function searchWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether a row matches the query: every word must appear in its search text. */
export function matches(row: { account: AccountRoles; role: { name: string; description: string } }, query: string): boolean {
  const text = searchText(row);
  return searchWords(query).every((w) => text.includes(w));
}

/**
 * Every role the portal lists, in list order (each account's standing then
 * eligible roles, break-glass roles last), before any search or paging.
 */
function listedRoles(roles: RolesResponse, requests: boolean): ListedRole[] {
  const all: ListedRole[] = [];
  const breakGlass: ListedRole[] = [];
  for (const account of roles.accounts) {
    for (const role of account.roles) {
      const row: ListedRole = {
        kind: 'standing',
        account,
        role,
        key: roleKey(account.id, role.name),
        search: searchText({ account, role }),
      };
      (role.breakGlass ? breakGlass : all).push(row);
    }
    if (requests) {
      for (const role of account.eligible ?? []) {
        all.push({ kind: 'eligible', account, role, key: roleKey(account.id, role.name), search: searchText({ account, role }) });
      }
    }
  }
  all.push(...breakGlass);
  return all;
}

/**
 * What portal.js needs to count the matches of a search as you type on a page
 * that holds only some of the roles (GET /portal/search-index): the text of
 * every row the search runs over, with its role key (a key can have a standing
 * and an eligible row: the count is of keys, as `RoleListing.matching`).
 */
export interface PortalSearchIndex {
  /** As `RoleListing.total`. */
  total: number;
  /** `[role key, search text]`, one per row the search runs over. */
  rows: [string, string][];
}

/** The rows `listPortalRoles` searches, for the caller's browser to count matches in. */
export function portalSearchIndex(roles: RolesResponse, options: { requests: boolean }): PortalSearchIndex {
  const all = listedRoles(roles, options.requests);
  return { total: new Set(all.map((row) => row.key)).size, rows: all.map((row) => [row.key, row.search]) };
}

/**
 * The portal's role list as pages: the search (`q`) runs over every role the
 * caller has, then the matching roles are cut into pages of `pageSize`, so a
 * person with hundreds of roles gets one page of them (and the pager) rather
 * than all of them. Pinned roles (favourites, then recently used) come on top
 * of page 1. Eligible roles are listed only where requests can be made.
 */
export function listPortalRoles(
  roles: RolesResponse,
  prefs: RolePrefs,
  options: { q: string; page: number; requests: boolean; pageSize?: number },
): RoleListing {
  const pageSize = options.pageSize ?? PORTAL_PAGE_SIZE;
  const q = options.q.trim();
  const words = searchWords(q);
  const hit = (search: string) => words.every((w) => search.includes(w));

  const all = listedRoles(roles, options.requests);
  const matched = words.length === 0 ? all : all.filter((row) => hit(row.search));

  const pageCount = Math.max(1, Math.ceil(matched.length / pageSize));
  const page = Math.min(Math.max(1, Math.floor(options.page)), pageCount);
  const offset = (page - 1) * pageSize;

  const standing = new Map<string, ListedRole>();
  for (const row of matched) if (row.kind === 'standing' && !row.role.breakGlass) standing.set(row.key, row);
  const pinned = page === 1 ? [...new Set([...prefs.favourites, ...prefs.recent])].flatMap((key) => standing.get(key) ?? []) : [];

  return {
    q,
    total: new Set(all.map((row) => row.key)).size,
    matching: new Set(matched.map((row) => row.key)).size,
    pinned,
    items: matched.slice(offset, offset + pageSize),
    page,
    pageCount,
    offset,
    complete: words.length === 0 && pageCount === 1,
    favourites: new Set(prefs.favourites),
  };
}

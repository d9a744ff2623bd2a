import type { AccountRoles, EntitledRole, RolesResponse } from '../../../contracts/roles.js';
import { roleKey, type RolePrefs } from '../../../features/portal/role-preferences.js';
import { html, Raw } from '../html.js';
import { durationOptions } from './durations.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

interface Row {
  account: AccountRoles;
  role: EntitledRole;
}

/** Text the search box matches: account alias and id, role name, description. */
export function searchText(row: Row): string {
  return `${row.account.alias} ${row.account.id} ${row.role.name} ${row.role.description}`.toLowerCase();
}

/** Whether a row matches the query: every word must appear (`prod read` finds ReadOnly in prod). */
export function matches(row: Row, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = searchText(row);
  return words.every((w) => text.includes(w));
}

/**
 * The role list: pinned roles (favourites, then recently used), every account
 * with its roles, break-glass roles apart. `q` filters server-side for
 * browsers without script; portal.js filters the same rows as you type.
 */
export function rolesPage(input: { viewer: Viewer; roles: RolesResponse; prefs: RolePrefs; q: string }): string {
  const { viewer, prefs, q } = input;
  const rows: Row[] = input.roles.accounts.flatMap((account) => account.roles.map((role) => ({ account, role })));
  if (rows.length === 0) return portalPage('No roles', viewer, noRoles(viewer));
  const visible = rows.filter((row) => matches(row, q));
  const byKey = new Map(rows.map((row) => [roleKey(row.account.id, row.role.name), row]));
  const pinnedKeys = [...new Set([...prefs.favourites, ...prefs.recent])];
  const pinned = pinnedKeys.flatMap((key) => {
    const row = byKey.get(key);
    return row && !row.role.breakGlass && visible.includes(row) ? [row] : [];
  });
  const favourites = new Set(prefs.favourites);
  const item = (row: Row, section: string) => roleItem(viewer, row, section, favourites.has(roleKey(row.account.id, row.role.name)), q);

  const accounts = input.roles.accounts
    .map((account) => ({ account, rows: visible.filter((r) => r.account === account && !r.role.breakGlass) }))
    .filter((a) => a.rows.length > 0);
  const breakGlass = visible.filter((r) => r.role.breakGlass);

  const body = html`<h1>Your AWS accounts and roles</h1>
    <form method="get" action="/portal" role="search" class="search">
      <label for="q">Find an account or role</label>
      <input
        id="q"
        name="q"
        type="search"
        value="${q}"
        autocomplete="off"
        spellcheck="false"
        placeholder="alias, account id, role or description"
        data-filter
      />
      <button type="submit">Search</button>
      ${q === '' ? html`` : html`<a href="/portal">Clear</a>`}
    </form>
    <p id="filter-status" class="muted" aria-live="polite">
      ${q === '' ? '' : `${String(visible.length)} of ${String(rows.length)} roles match “${q.trim()}”`}
    </p>
    ${
      pinned.length > 0
        ? html`<section class="pinned" aria-labelledby="pinned-h" data-group>
            <h2 id="pinned-h">Favourites and recently used</h2>
            <ul class="roles">
              ${pinned.map((row) => item(row, 'pin'))}
            </ul>
          </section>`
        : html``
    }
    <section aria-labelledby="accounts-h">
      <h2 id="accounts-h">All accounts</h2>
      ${accounts.map(
        ({ account, rows: accountRows }) =>
          html`<section class="account" data-group aria-labelledby="acct-${account.id}">
            <h3 id="acct-${account.id}">
              ${account.alias} <span class="account-id">${account.id}</span> <span class="muted">${account.region}</span>
            </h3>
            <ul class="roles">
              ${accountRows.map((row) => item(row, 'all'))}
            </ul>
          </section>`,
      )}
      ${visible.length === 0 ? html`<p class="empty">No role matches “${q}”. <a href="/portal">Show all roles</a></p>` : html``}
      <p class="empty" hidden data-no-match>No role matches your search.</p>
    </section>
    ${
      breakGlass.length > 0
        ? html`<section class="break-glass" aria-labelledby="bg-h" data-group>
            <h2 id="bg-h">⚠ Break-glass roles — emergency access only</h2>
            <p>Using one of these asks for a justification first. Every use is audited and alerted on.</p>
            <ul class="roles">
              ${breakGlass.map((row) => item(row, 'bg'))}
            </ul>
          </section>`
        : html``
    }`;
  return portalPage('AWS accounts and roles', viewer, body);
}

function roleItem(viewer: Viewer, row: Row, section: string, favourite: boolean, q: string): Raw {
  const { account, role } = row;
  const id = `${section}-${account.id}-${role.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const label = `${role.name} in ${account.alias}`;
  return html`<li
    class="role${role.breakGlass ? ' role-bg' : ''}"
    data-role="${roleKey(account.id, role.name)}"
    data-search="${searchText(row)}"
  >
    <div class="role-info">
      <span class="role-name">${role.name}</span>
      ${section === 'pin' ? html`<span class="muted">${account.alias} (${account.id})</span>` : html``}
      ${role.breakGlass ? html`<span class="badge badge-bg">break-glass</span>` : html``}
      <span class="role-desc">${role.description}</span>
    </div>
    <form method="post" action="/portal/credentials" class="role-actions">
      ${csrfField(viewer)}
      <input type="hidden" name="accountId" value="${account.id}" />
      <input type="hidden" name="role" value="${role.name}" />
      <label for="${id}-d">Session</label>
      <select id="${id}-d" name="durationSeconds">
        ${durationOptions(role.maxSessionSeconds)}
      </select>
      <button type="submit" formaction="/portal/console" formtarget="_blank" aria-label="Open the AWS console as ${label} (new tab)">
        Console
      </button>
      <button type="submit" aria-label="CLI credentials for ${label}">CLI credentials</button>
    </form>
    ${
      role.breakGlass
        ? html``
        : html`<form method="post" action="/portal/favourites" class="fav">
            ${csrfField(viewer)}
            <input type="hidden" name="accountId" value="${account.id}" />
            <input type="hidden" name="role" value="${role.name}" />
            <input type="hidden" name="q" value="${q}" />
            <button
              type="submit"
              aria-pressed="${favourite ? 'true' : 'false'}"
              title="${favourite ? 'Remove from favourites' : 'Add to favourites'}"
            >
              <span aria-hidden="true">${favourite ? '★' : '☆'}</span><span class="sr-only">Favourite ${label}</span>
            </button>
          </form>`
    }
  </li>`;
}

function noRoles(viewer: Viewer): Raw {
  const groups = viewer.principal.groups;
  return html`<h1>You have no AWS roles yet</h1>
    <p>rolegate found no role that your groups map to.</p>
    ${
      groups.length === 0
        ? html`<p>Your identity provider (${viewer.principal.idp}) sent no groups for you.</p>`
        : html`<p>Your groups: ${groups.join(', ')}.</p>`
    }
    <p>Ask your administrator to map one of your groups to a role, then <a href="/portal">reload this page</a>.</p>`;
}

import type { AccountRoles, RolesResponse } from '../../../contracts/roles.js';
import { formatDuration } from '../../../domain/access-requests.js';
import { listPortalRoles, PORTAL_QUERY_MAX, type ListedRole, type RoleListing } from '../../../features/portal/role-listing.js';
import type { RolePrefs } from '../../../features/portal/role-preferences.js';
import { html, Raw } from '../html.js';
import { grantEnd, roleValue } from './access-requests-pages.js';
import { durationOptions } from './durations.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

type Row = Extract<ListedRole, { kind: 'standing' }>;
type EligibleRowOf = Extract<ListedRole, { kind: 'eligible' }>;

/** The portal URL of a search and page (what the form, the pager and the favourites redirect use). */
export function portalHref(q: string, page = 1): string {
  const params = [...(q === '' ? [] : [`q=${encodeURIComponent(q)}`]), ...(page > 1 ? [`page=${String(page)}`] : [])];
  return params.length === 0 ? '/portal' : `/portal?${params.join('&')}`;
}

/**
 * The role list: pinned roles (favourites, then recently used), the page's
 * accounts with their roles, break-glass roles apart, and a pager when the
 * roles do not fit on one page (src/features/portal/role-listing.ts decides
 * what is on it). `#results` is what portal.js filters in place when the page
 * holds every role (`data-complete`), or replaces with the server's answer
 * for the search otherwise; without script the form and the pager are links.
 */
export function rolesPage(input: {
  viewer: Viewer;
  roles: RolesResponse;
  prefs: RolePrefs;
  q: string;
  page?: number;
  requests?: boolean;
}): string {
  const { viewer } = input;
  const listing = listPortalRoles(input.roles, input.prefs, { q: input.q, page: input.page ?? 1, requests: input.requests === true });
  if (listing.total === 0) return portalPage('No roles', viewer, noRoles(viewer));
  const { q } = listing;
  const here = { q, page: listing.page };
  const item = (row: ListedRole, section: string) =>
    row.kind === 'eligible' ? eligibleItem(row) : roleItem(viewer, row, section, listing.favourites.has(row.key), here);

  const accounts: { account: AccountRoles; rows: ListedRole[] }[] = [];
  const breakGlass: ListedRole[] = [];
  for (const row of listing.items) {
    if (row.kind === 'standing' && row.role.breakGlass) breakGlass.push(row);
    else if (accounts.at(-1)?.account === row.account) accounts.at(-1)?.rows.push(row);
    else accounts.push({ account: row.account, rows: [row] });
  }

  const body = html`<h1>Your AWS accounts and roles</h1>
    <form method="get" action="/portal" role="search" class="search">
      <label for="q">Find an account or role</label>
      <input
        id="q"
        name="q"
        type="search"
        value="${q}"
        maxlength="${PORTAL_QUERY_MAX}"
        autocomplete="off"
        spellcheck="false"
        placeholder="alias, account id, role or description"
        data-filter
      />
      <button type="submit">Search</button>
      ${q === '' ? html`` : html`<a href="/portal">Clear</a>`}
    </form>
    <p id="filter-status" class="muted" aria-live="polite">
      ${q === '' ? '' : `${String(listing.matching)} of ${String(listing.total)} roles match “${q}”`}
    </p>
    <div id="results" data-q="${q}" ${listing.complete ? html` data-complete` : html``}>
      ${
        listing.pinned.length > 0
          ? html`<section class="pinned" aria-labelledby="pinned-h" data-group>
              <h2 id="pinned-h">Favourites and recently used</h2>
              <ul class="roles">
                ${listing.pinned.map((row) => item(row, 'pin'))}
              </ul>
            </section>`
          : html``
      }
      <section aria-labelledby="accounts-h">
        <h2 id="accounts-h">All accounts</h2>
        ${accounts.map(
          ({ account, rows }) =>
            html`<section class="account" data-group aria-labelledby="acct-${account.id}">
              <h3 id="acct-${account.id}">
                ${account.alias} <span class="account-id">${account.id}</span> <span class="muted">${account.region}</span>
              </h3>
              <ul class="roles">
                ${rows.map((row) => item(row, 'all'))}
              </ul>
            </section>`,
        )}
        ${listing.matching === 0 ? html`<p class="empty">No role matches “${q}”. <a href="/portal">Show all roles</a></p>` : html``}
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
      }
      ${listing.pageCount > 1 ? pager(listing) : html``}
    </div>`;
  return portalPage('AWS accounts and roles', viewer, body);
}

/** Previous / next and page links (the first, the last and two either side of this one), and which roles these are. */
function pager(listing: RoleListing): Raw {
  const { page, pageCount, q } = listing;
  const numbers = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pageCount])].filter((n) => n >= 1 && n <= pageCount);
  const links: Raw[] = [];
  numbers.forEach((n, i) => {
    if (i > 0 && n - (numbers[i - 1] ?? n) > 1) links.push(html`<li aria-hidden="true">…</li>`);
    links.push(
      n === page
        ? html`<li><a href="${portalHref(q, n)}" aria-current="page" aria-label="Page ${n}, this page">${n}</a></li>`
        : html`<li><a href="${portalHref(q, n)}" aria-label="Page ${n}">${n}</a></li>`,
    );
  });
  const first = listing.offset + 1;
  const last = listing.offset + listing.items.length;
  const of = q === '' ? `${String(listing.matching)} roles` : `${String(listing.matching)} matching roles`;
  return html`<nav class="pager" aria-label="Pages of roles">
    <p class="muted">Roles ${first}–${last} of ${of} · page ${page} of ${pageCount}</p>
    <ul>
      ${page > 1 ? html`<li><a href="${portalHref(q, page - 1)}" rel="prev">← Previous</a></li>` : html``} ${links}
      ${page < pageCount ? html`<li><a href="${portalHref(q, page + 1)}" rel="next">Next →</a></li>` : html``}
    </ul>
  </nav>`;
}

function roleItem(viewer: Viewer, row: Row, section: string, favourite: boolean, here: { q: string; page: number }): Raw {
  const { account, role } = row;
  const id = `${section}-${account.id}-${role.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const label = `${role.name} in ${account.alias}`;
  return html`<li class="role${role.breakGlass ? ' role-bg' : ''}" data-role="${row.key}" data-search="${row.search}">
    <div class="role-info">
      <span class="role-name">${role.name}</span>
      ${section === 'pin' ? html`<span class="muted">${account.alias} (${account.id})</span>` : html``}
      ${role.breakGlass ? html`<span class="badge badge-bg">break-glass</span>` : html``}
      ${role.grant ? html`<span class="badge badge-grant">granted</span> ${grantEnd(Date.parse(role.grant.endsAt), 'usable until')}` : html``}
      <span class="role-desc">${role.description}</span>
      ${'sessionPolicy' in role && role.sessionPolicy ? html`<span class="badge badge-policy" title="Session policies narrow this role">${role.sessionPolicy}</span>` : html``}
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
            ${here.q === '' ? html`` : html`<input type="hidden" name="q" value="${here.q}" />`}
            ${here.page === 1 ? html`` : html`<input type="hidden" name="page" value="${here.page}" />`}
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

/** An eligible role: not usable until a request is approved; its policy, and a Request button (a link to the form). */
function eligibleItem(row: EligibleRowOf): Raw {
  const { account, role } = row;
  const approvals = role.approvalsNeeded === 2 ? '2 approvals' : '1 approval';
  return html`<li class="role role-eligible" data-role="${row.key}" data-search="${row.search}">
    <div class="role-info">
      <span class="role-name">${role.name}</span>
      <span class="badge badge-eligible">eligible</span>
      <span class="muted">max ${formatDuration(role.maxGrantSeconds)} · ${approvals} needed (${role.approverGroups.join(', ')})</span>
      <span class="role-desc">${role.description}</span>
    </div>
    <a
      class="button"
      href="/portal/requests/new?role=${encodeURIComponent(roleValue(account.id, role.name))}"
      aria-label="Request ${role.name} in ${account.alias}"
      >Request</a
    >
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

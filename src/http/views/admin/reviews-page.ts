import type { ReviewEntryView, ReviewProposalResponse, ReviewView } from '../../../contracts/access-reviews.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;

/** /admin/reviews: the campaigns, newest first, and a form to open one. */
export function reviewsListPage(reviews: readonly ReviewView[], csrfToken: string): string {
  const rows = reviews.map(
    (r) =>
      html`<tr>
        <td><a href="/admin/reviews/${r.id}">${r.scope.kind} ${r.scope.value}</a></td>
        <td>${r.state}</td>
        <td>${String(r.decided)} of ${String(r.entryCount)}</td>
        <td>${r.openedBy}</td>
        <td><time datetime="${r.openedAt}">${r.openedAt}</time></td>
      </tr>`,
  );
  const table =
    reviews.length === 0
      ? html`<p>No access review yet.</p>`
      : html`<table>
          <caption>
            Access review campaigns, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">State</th>
              <th scope="col">Decided</th>
              <th scope="col">Opened by</th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`;
  const form = html`<form method="post" action="/admin/reviews" aria-label="Open an access review">
    ${csrfField(csrfToken)}
    <p>
      <label for="r-kind">Scope</label>
      <select id="r-kind" name="kind">
        <option value="account">account</option>
        <option value="role">role</option>
        <option value="group">group</option>
      </select>
      <label for="r-value">Account, role ARN or group</label> <input id="r-value" name="value" type="text" required />
      <label for="r-days">Usage window (days)</label> <input id="r-days" name="sinceDays" type="number" min="1" max="3650" value="90" />
    </p>
    <p><button type="submit">Open review</button></p>
  </form>`;
  return adminPage(
    'Access reviews',
    'reviews',
    html`${table}
      <h2>Open a review</h2>
      ${form}`,
  );
}

function decisionCell(review: ReviewView, e: ReviewEntryView, csrfToken: string): Raw {
  if (e.decision !== null)
    return html`${e.decision} by ${e.decidedBy ?? ''} at <time datetime="${e.decidedAt ?? ''}">${e.decidedAt ?? ''}</time>`;
  if (review.state !== 'open') return html`undecided`;
  const label = e.kind === 'user' ? `${e.user ?? ''} → ${e.roleArn}` : `${e.group} → ${e.roleArn}`;
  return html`<form method="post" action="/admin/reviews/${review.id}/entries/${String(e.position)}">
    ${csrfField(csrfToken)}
    <button type="submit" name="decision" value="confirm" aria-label="Confirm ${label}">Confirm</button>
    <button type="submit" name="decision" value="remove" aria-label="Remove ${label}">Remove</button>
  </form>`;
}

/** /admin/reviews/:id: one page of entries with confirm / remove, the exports and the proposed change. */
export function reviewPage(
  review: ReviewView,
  entries: readonly ReviewEntryView[],
  nextAfter: number | undefined,
  csrfToken: string,
): string {
  const rows = entries.map(
    (e) =>
      html`<tr id="entry-${String(e.position)}">
        <td>${String(e.position)}</td>
        <td>${e.kind === 'user' ? (e.user ?? '') : html`group <code>${e.group}</code>`}</td>
        <td><code>${e.roleArn}</code></td>
        <td>${String(e.uses)}</td>
        <td>${e.lastUsedAt ?? 'never'}</td>
        <td>
          cli ${String(e.surfaces.cli)} · portal ${String(e.surfaces.portal)} · api ${String(e.surfaces.api)} · console
          ${String(e.surfaces.console)}
        </td>
        <td>${decisionCell(review, e, csrfToken)}</td>
      </tr>`,
  );
  const close =
    review.state === 'open'
      ? html`<form method="post" action="/admin/reviews/${review.id}/close">
          ${csrfField(csrfToken)}<button type="submit">Close review</button>
        </form>`
      : html`<p>Closed by ${review.closedBy ?? ''} at ${review.closedAt ?? ''}.</p>`;
  const decided = `${String(review.decided)} of ${String(review.entryCount)} decided`;
  const window = `use in the last ${String(review.sinceDays)} days`;
  const body = html`<ul class="review-summary">
      <li>${review.state}</li>
      <li>${decided}</li>
      <li>${window}</li>
      <li>opened by ${review.openedBy} at <time datetime="${review.openedAt}">${review.openedAt}</time></li>
    </ul>
    <p>
      Evidence: <a href="/admin/reviews/${review.id}/export.csv">CSV</a> · <a href="/admin/reviews/${review.id}/export.json">JSON</a> ·
      <a href="/admin/reviews/${review.id}/proposal">Proposed access-file change</a>
    </p>
    <table>
      <caption>
        Entries: each mapping, and each user holding its role
      </caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Who</th>
          <th scope="col">Role</th>
          <th scope="col">Uses</th>
          <th scope="col">Last used</th>
          <th scope="col">Through</th>
          <th scope="col">Decision</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
    ${nextAfter === undefined ? html`` : html`<p><a href="/admin/reviews/${review.id}?after=${String(nextAfter)}" rel="next">Next entries</a></p>`}
    ${close}`;
  return adminPage(`Access review: ${review.scope.kind} ${review.scope.value}`, 'reviews', body);
}

/** /admin/reviews/:id/proposal: the removals as an access-file diff, and the file to commit. */
export function proposalPage(review: ReviewView, proposal: ReviewProposalResponse): string {
  const changes =
    proposal.changes.length === 0
      ? html`<p>No mapping removed: the access file stays as it is.</p>`
      : html`<ul aria-label="Access-file diff">
          ${proposal.changes.map((c) => html`<li><code>- ${c.kind} ${c.key}</code></li>`)}
        </ul>`;
  const members =
    proposal.groupMemberships.length === 0
      ? html``
      : html`<h2>In the identity provider</h2>
          <ul>
            ${proposal.groupMemberships.map((m) => html`<li>remove ${m.user} from group <code>${m.group}</code> (${m.roleArn})</li>`)}
          </ul>`;
  return adminPage(
    `Proposed change: ${review.scope.kind} ${review.scope.value}`,
    'reviews',
    html`<p><a href="/admin/reviews/${review.id}">Back to the review</a></p>
      <h2>Access-file diff</h2>
      ${changes} ${members}
      <h2>The access file to commit and apply</h2>
      <pre><code>${proposal.yaml}</code></pre>`,
  );
}

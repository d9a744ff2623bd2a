import {
  ACCESS_REQUEST_STATES,
  FINAL_STATES,
  formatDuration,
  type AccessRequestRecord,
  type AccessRequestState,
} from '../../../domain/access-requests.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

export interface AdminRequestRow {
  record: AccessRequestRecord;
  alias?: string;
}

const when = (ms: number | undefined) => (ms === undefined ? '' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
const roleName = (r: AccessRequestRecord) => r.roleArn.split('/').at(-1) ?? r.roleArn;
/** A grant an administrator may end: active, or approved and not started. */
export const revocable = (r: AccessRequestRecord) => r.state === 'active' || r.state === 'approved';

/** Every access request and grant, filtered by state and requester, with a Revoke link for open grants. */
export function adminAccessRequestsPage(input: {
  rows: AdminRequestRow[];
  states: AccessRequestState[];
  user: string;
  revoked?: string;
}): string {
  const body = html`${input.revoked ? html`<p role="status">Grant ${input.revoked} revoked.</p>` : html``}
    <form method="get" action="/admin/access-requests" class="filters">
      <label for="state">State</label>
      <select id="state" name="state">
        <option value="">any</option>
        ${[['active,approved', 'open grants (active, approved)'] as const, ...ACCESS_REQUEST_STATES.map((s) => [s, s] as const)].map(
          ([value, label]) =>
            html`<option value="${value}" ${input.states.join(',') === value ? html`selected` : html``}>${label}</option>`,
        )}
      </select>
      <label for="user">Requester (principal id)</label>
      <input id="user" name="user" value="${input.user}" />
      <button type="submit">Filter</button>
    </form>
    ${
      input.rows.length === 0
        ? html`<p>No access request matches.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Requester</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Asked</th>
                <th scope="col">Reason / ticket</th>
                <th scope="col">Decided</th>
                <th scope="col">Grant</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${input.rows.map((row) => rowOf(row))}
            </tbody>
          </table>`
    }`;
  return adminPage('Access requests and grants', 'access-requests', body);
}

function rowOf({ record: r, alias }: AdminRequestRow): Raw {
  return html`<tr data-request="${r.id}" data-state="${r.state}">
    <td>${r.username} <small>${r.principalId}</small></td>
    <td>${roleName(r)} in ${alias ?? r.accountId}</td>
    <td>${r.state}</td>
    <td>${when(r.createdAt)} · ${formatDuration(r.durationSeconds)}</td>
    <td>${r.reason ?? ''}${r.ticket === undefined ? '' : ` (${r.ticket})`}</td>
    <td>${r.decidedBy === undefined ? '' : `${r.decidedBy} ${when(r.decidedAt)}`}</td>
    <td>
      ${r.endsAt === undefined ? '' : `${FINAL_STATES.has(r.state) ? 'ended' : 'until'} ${when(r.endedAt ?? r.endsAt)}`}
      ${r.endReason === undefined ? '' : `(${r.endReason})`}
    </td>
    <td>${revocable(r) ? html`<a href="/admin/access-requests/${r.id}/revoke">Revoke…</a>` : html``}</td>
  </tr>`;
}

/** The confirmation before a revocation: what ends, and why (required, audited). */
export function revokeConfirmPage(input: { row: AdminRequestRow; csrfToken: string; error?: string }): string {
  const r = input.row.record;
  const what = `${roleName(r)} in ${input.row.alias ?? r.accountId}`;
  const body = html`<p>
      End ${r.username}'s grant for <strong>${what}</strong> (${r.state}${r.endsAt === undefined ? '' : `, until ${when(r.endsAt)}`}) now?
      Their cached credentials for the role are dropped on every instance and no more are issued.
    </p>
    ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : html``}
    <form method="post" action="/admin/access-requests/${r.id}/revoke">
      <input type="hidden" name="_csrf" value="${input.csrfToken}" />
      <label for="reason">Reason (audited)</label>
      <input id="reason" name="reason" required minlength="3" maxlength="1000" />
      <button type="submit" class="danger">Revoke the grant</button>
      <a href="/admin/access-requests">Keep it</a>
    </form>`;
  return adminPage(`Revoke the grant for ${what}?`, 'access-requests', body);
}

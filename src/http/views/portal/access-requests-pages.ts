import type { AccountRoles, EligibleRole } from '../../../contracts/roles.js';
import { FINAL_STATES, formatDuration, type AccessRequestRecord } from '../../../domain/access-requests.js';
import { html, type Raw } from '../html.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

/** An eligible role as the request form lists it. */
export interface EligibleRow {
  account: Pick<AccountRoles, 'id' | 'alias'>;
  role: EligibleRole;
}

/** A request with what the model says about its account and role today (both may be gone). */
export interface RequestRow {
  record: AccessRequestRecord;
  alias?: string;
  description?: string;
}

/** What the form sends back after a refusal, to fill it again. */
export interface RequestFormValues {
  roles: string[];
  duration: string;
  reason: string;
  ticket: string;
  startsAt: string;
}

/** The value of a role's checkbox: `<account id>/<role name>` (role names have no slash). */
export const roleValue = (accountId: string, role: string) => `${accountId}/${role}`;

const when = (ms: number | undefined) => (ms === undefined ? '' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);
const roleName = (r: AccessRequestRecord) => r.roleArn.split('/').at(-1) ?? r.roleArn;
const STATE_TEXT: Record<AccessRequestRecord['state'], string> = {
  pending: 'pending approval',
  approved: 'approved, not started',
  active: 'active',
  denied: 'denied',
  cancelled: 'cancelled',
  expired_unanswered: 'expired unanswered',
  expired: 'ended (expired)',
  revoked: 'ended (revoked)',
};

/** The request form: eligible roles of every account as checkboxes, then duration, reason, ticket and start. */
export function requestFormPage(input: { viewer: Viewer; eligible: EligibleRow[]; values: RequestFormValues; error?: string }): string {
  const { viewer, eligible, values } = input;
  if (eligible.length === 0)
    return portalPage(
      'Request access',
      viewer,
      html`<p><a href="/portal">← All roles</a></p>
        <h1>Request access</h1>
        ${input.error ? html`<p class="error" role="alert" id="request-error">${input.error}</p>` : html``}
        <p>Your groups make you eligible for no role that needs a request.</p>`,
    );
  const longest = Math.max(...eligible.map((e) => e.role.maxGrantSeconds));
  const described = input.error ? html`aria-describedby="request-error"` : html``;
  const body = html`<p><a href="/portal">← All roles</a></p>
    <h1>Request access</h1>
    <p>Choose one or more roles (from any account). Each becomes its own request, approved on its own.</p>
    ${input.error ? html`<p class="error" role="alert" id="request-error">${input.error}</p>` : html``}
    <form method="post" action="/portal/requests" class="request-form">
      ${csrfField(viewer)}
      <fieldset>
        <legend>Roles</legend>
        <ul class="eligible-roles">
          ${eligible.map(({ account, role }) => {
            const value = roleValue(account.id, role.name);
            const id = `r-${account.id}-${role.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
            return html`<li>
              <input type="checkbox" id="${id}" name="roles" value="${value}" ${values.roles.includes(value) ? html`checked` : html``} />
              <label for="${id}"
                ><strong>${role.name}</strong> in ${account.alias}
                <span class="account-id">${account.id}</span> ${`— max ${formatDuration(role.maxGrantSeconds)}, ${policyText(role)}`}</label
              >
              <span class="role-desc">${role.description}</span>
            </li>`;
          })}
        </ul>
      </fieldset>
      <label for="duration">Duration (e.g. 30m, 2h; at most ${formatDuration(longest)}, and each role's maximum above)</label>
      <input id="duration" name="duration" required value="${values.duration}" autocomplete="off" spellcheck="false" ${described} />
      <label for="reason">Reason (10–1000 characters; shown to approvers and audited)</label>
      <textarea id="reason" name="reason" rows="3" maxlength="1000" ${described}>${values.reason}</textarea>
      <label for="ticket">Ticket id${ticketHint(eligible)}</label>
      <input id="ticket" name="ticket" value="${values.ticket}" maxlength="100" autocomplete="off" ${described} />
      <label for="startsAt">Start (UTC, optional; empty: as soon as approved)</label>
      <input id="startsAt" name="startsAt" type="datetime-local" value="${values.startsAt}" ${described} />
      <button type="submit">Request access</button>
    </form>`;
  return portalPage('Request access', viewer, body);
}

function policyText(role: EligibleRole): string {
  const approvals = role.approvalsNeeded === 2 ? '2 approvals' : '1 approval';
  return `${approvals} needed from ${role.approverGroups.join(', ')}${role.reasonRequired ? ', reason required' : ''}${
    role.ticketPattern === undefined ? '' : `, ticket matching ${role.ticketPattern}`
  }`;
}

function ticketHint(eligible: EligibleRow[]): string {
  const patterns = [...new Set(eligible.flatMap((e) => (e.role.ticketPattern === undefined ? [] : [e.role.ticketPattern])))];
  return patterns.length === 0 ? ' (optional)' : ` (some roles need one matching ${patterns.join(' or ')})`;
}

/** "My requests": every request of the viewer, newest first, with its state, the grant's end and a Cancel button. */
export function myRequestsPage(viewer: Viewer, rows: RequestRow[]): string {
  const body = html`<p><a href="/portal">← All roles</a> · <a href="/portal/requests/new">Request access</a></p>
    <h1>My requests</h1>
    ${
      rows.length === 0
        ? html`<p class="empty">You have made no access request yet.</p>`
        : html`<table class="requests">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Asked</th>
                <th scope="col">Grant</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr data-request="${row.record.id}" data-state="${row.record.state}">
                    <td><a href="/portal/requests/${row.record.id}">${roleName(row.record)} in ${row.alias ?? row.record.accountId}</a></td>
                    <td>${stateBadge(row.record)}</td>
                    <td>${when(row.record.createdAt)} · ${formatDuration(row.record.durationSeconds)}</td>
                    <td>${grantCell(row.record)}</td>
                    <td>${cancelForm(viewer, row)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return portalPage('My requests', viewer, body);
}

function stateBadge(record: AccessRequestRecord): Raw {
  return html`<span class="badge badge-state state-${record.state}">${STATE_TEXT[record.state]}</span>`;
}

/** The grant's end: server-rendered; portal.js counts down to it (`data-ends-at`). */
export function grantEnd(endsAt: number, label: string): Raw {
  const iso = new Date(endsAt).toISOString();
  return html`<span class="grant-end" data-ends-at="${iso}"
    >${label} <time datetime="${iso}">${when(endsAt)}</time> <span data-countdown></span
  ></span>`;
}

function grantCell(record: AccessRequestRecord): Raw {
  if (record.state === 'active' && record.endsAt !== undefined) return grantEnd(record.endsAt, 'until');
  if (record.state === 'approved' && record.startsAt !== undefined) return html`starts ${when(record.startsAt)}`;
  if (record.endedAt !== undefined) return html`ended ${when(record.endedAt)}`;
  return html``;
}

function cancelForm(viewer: Viewer, row: RequestRow): Raw {
  const { record } = row;
  if (record.principalId !== viewer.principal.id || FINAL_STATES.has(record.state)) return html``;
  const label = record.state === 'pending' ? 'Cancel request' : 'End grant now';
  return html`<form method="post" action="/portal/requests/${record.id}/cancel" class="inline">
    ${csrfField(viewer)}
    <button type="submit" aria-label="${label}: ${roleName(record)} in ${row.alias ?? record.accountId}">${label}</button>
  </form>`;
}

/** One request: its details, the approvals so far, and what the viewer may do (decide, or cancel their own). */
export function requestPage(input: { viewer: Viewer; row: RequestRow; canDecide: boolean; history?: RequestRow[] }): string {
  const { viewer, row, canDecide } = input;
  const r = row.record;
  const title = `${roleName(r)} in ${row.alias ?? r.accountId}`;
  const body = html`<p><a href="/portal/requests">← My requests</a> · <a href="/portal/approvals">Approvals</a></p>
    <h1>Access request: ${title}</h1>
    ${requestDetails(row)}
    ${
      r.approvals.length > 0
        ? html`<h2>Approvals</h2>
            <ul class="approvals">
              ${r.approvals.map((a) => html`<li>${a.approverId} at ${when(a.at)}${a.comment === undefined ? '' : `: “${a.comment}”`}</li>`)}
            </ul>`
        : html``
    }
    ${canDecide ? decisionForms(viewer, row) : html``} ${cancelForm(viewer, row)} ${input.history ? historyList(input.history) : html``}`;
  return portalPage(`Access request: ${title}`, viewer, body);
}

function requestDetails(row: RequestRow): Raw {
  const r = row.record;
  const item = (term: string, value: string | Raw) =>
    html`<dt>${term}</dt>
      <dd>${value}</dd>`;
  return html`<dl class="request-details">
    ${item('State', stateBadge(r))} ${item('Requester', `${r.username} (${r.principalId})`)}
    ${item('Requester groups', r.groups.length === 0 ? 'none' : r.groups.join(', '))}
    ${item('Account', `${row.alias ?? ''} ${r.accountId}`.trim())} ${item('Role', r.roleArn)}
    ${row.description === undefined || row.description === '' ? html`` : item('What the role can do', row.description)}
    ${item('Duration', formatDuration(r.durationSeconds))} ${item('Reason', r.reason ?? '—')} ${item('Ticket', r.ticket ?? '—')}
    ${item('Asked', when(r.createdAt))} ${r.startsAt === undefined ? html`` : item('Starts', when(r.startsAt))}
    ${r.state === 'pending' ? item('Unanswered expiry', when(r.expiresAt)) : html``}
    ${item('Approvals needed', `${String(r.approvals.length)} of ${String(r.policy.approvalsNeeded)}, from ${r.policy.approverGroups.join(', ')}`)}
    ${r.decidedBy === undefined ? html`` : item('Decided by', `${r.decidedBy} at ${when(r.decidedAt)}`)}
    ${r.decisionComment === undefined ? html`` : item('Decision comment', r.decisionComment)}
    ${r.state === 'active' && r.endsAt !== undefined ? item('Grant', grantEnd(r.endsAt, 'usable until')) : html``}
    ${r.endedAt === undefined ? html`` : item('Ended', `${when(r.endedAt)}${r.endReason === undefined ? '' : ` (${r.endReason})`}`)}
  </dl>`;
}

function decisionForms(viewer: Viewer, row: RequestRow): Raw {
  const r = row.record;
  const what = `${r.username}'s request for ${roleName(r)} in ${row.alias ?? r.accountId}`;
  return html`<section class="decision" aria-labelledby="decide-${r.id}">
    <h2 id="decide-${r.id}">Your decision</h2>
    <form method="post" action="/portal/requests/${r.id}/approve">
      ${csrfField(viewer)}
      <label for="approve-comment-${r.id}">Comment (optional)</label>
      <input id="approve-comment-${r.id}" name="comment" maxlength="1000" />
      <button type="submit" aria-label="Approve ${what}">Approve</button>
    </form>
    <form method="post" action="/portal/requests/${r.id}/deny">
      ${csrfField(viewer)}
      <label for="deny-comment-${r.id}">Why you deny it (the requester sees this)</label>
      <input id="deny-comment-${r.id}" name="comment" maxlength="1000" required />
      <button type="submit" aria-label="Deny ${what}">Deny</button>
    </form>
  </section>`;
}

function historyList(history: RequestRow[]): Raw {
  return html`<h2>The requester's previous requests</h2>
    ${
      history.length === 0
        ? html`<p class="muted">None: this is their first.</p>`
        : html`<ul class="history">
            ${history.map((h) => html`<li>${historyText(h)}</li>`)}
          </ul>`
    }`;
}

function historyText(h: RequestRow): string {
  const r = h.record;
  const reason = r.reason === undefined ? '' : ` (“${r.reason}”)`;
  return `${when(r.createdAt)}: ${roleName(r)} in ${h.alias ?? r.accountId} for ${formatDuration(r.durationSeconds)} — ${STATE_TEXT[r.state]}${reason}`;
}

/** The approvals inbox: every pending request the viewer may decide, with the requester's context and history. */
export function approvalsPage(viewer: Viewer, items: { row: RequestRow; history: RequestRow[] }[]): string {
  const body = html`<p><a href="/portal">← All roles</a></p>
    <h1>Requests waiting for your approval</h1>
    ${
      items.length === 0
        ? html`<p class="empty">Nothing is waiting for you.</p>`
        : items.map(
            ({ row, history }) =>
              html`<article class="inbox-item" data-request="${row.record.id}" aria-labelledby="h-${row.record.id}">
                <h2 id="h-${row.record.id}">
                  <a href="/portal/requests/${row.record.id}"
                    >${row.record.username}: ${roleName(row.record)} in ${row.alias ?? row.record.accountId}</a
                  >
                </h2>
                ${requestDetails(row)} ${decisionForms(viewer, row)} ${historyList(history)}
              </article>`,
          )
    }`;
  return portalPage('Approvals', viewer, body);
}

import type { AuditEventView, AuditQueryParams } from '../../../contracts/admin.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

const FIELDS = [
  ['user', 'User (principal id)'],
  ['role', 'Role (ARN or name)'],
  ['account', 'Account id'],
  ['type', 'Type (or prefix ending in .)'],
  ['from', 'From (ISO date-time)'],
  ['to', 'To (ISO date-time)'],
] as const;

function textField(name: string, label: string, value: string | undefined): Raw {
  return html`<p><label for="f-${name}">${label}</label> <input id="f-${name}" name="${name}" type="text" value="${value ?? ''}" /></p>`;
}

/** The audit log with its filters (a GET form, so a filtered view is a link), newest first, paged by cursor. */
export function auditPage(params: AuditQueryParams, events: AuditEventView[], nextCursor: string | undefined): string {
  const outcome = params.outcome ?? '';
  const form = html`<form method="get" action="/admin/audit" role="search" aria-label="Filter the audit log">
    ${FIELDS.map(([name, label]) => textField(name, label, params[name]))}
    <p>
      <label for="f-outcome">Outcome</label>
      <select id="f-outcome" name="outcome">
        ${['', 'success', 'denied', 'error'].map((o) =>
          o === outcome ? html`<option value="${o}" selected>${o || 'any'}</option>` : html`<option value="${o}">${o || 'any'}</option>`,
        )}
      </select>
    </p>
    <p><button type="submit">Filter</button></p>
  </form>`;
  const query = (extra: Record<string, string>) => {
    const q = new URLSearchParams();
    const merged: Record<string, string | number | undefined> = { ...params, ...extra };
    for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '' && k !== 'format') q.set(k, String(v));
    return q.toString();
  };
  const rows = events.map(
    (e) =>
      html`<tr>
        <td><time datetime="${e.at}">${e.at}</time></td>
        <td>${e.type}</td>
        <td>${e.outcome}</td>
        <td>${e.subject ?? ''}</td>
        <td>${e.roleArn ? html`<code>${e.roleArn}</code>` : ''}</td>
        <td>${e.reason ?? ''}</td>
        <td>${e.details ? html`<code>${JSON.stringify(e.details)}</code>` : ''}</td>
      </tr>`,
  );
  const table =
    events.length === 0
      ? html`<p>No events match.</p>`
      : html`<table>
          <caption>
            Audit events, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Outcome</th>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>`;
  const more = nextCursor ? html`<p><a href="/admin/audit?${query({ cursor: nextCursor })}" rel="next">Older events</a></p>` : html``;
  const exportQuery = query({ cursor: '' });
  const exportLink = html`<p>
    <a href="/api/v1/admin/audit?${exportQuery}${exportQuery ? '&' : ''}format=jsonl">Export these events as JSON lines</a>
  </p>`;
  return adminPage('Audit log', 'audit', html`${form}${table}${more}${exportLink}`);
}

import { AUDIT_SURFACES, type AuditEventView } from '../../../contracts/admin.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

/** The filters of the form, each a query parameter of the page (and of GET /api/v1/admin/audit). */
export const AUDIT_FORM_FIELDS = ['user', 'role', 'account', 'type', 'outcome', 'surface', 'from', 'to'] as const;
export type AuditFormField = (typeof AUDIT_FORM_FIELDS)[number];

/** What the form was filled with, as typed (shown again with the errors), and the page's own parameters. */
export type AuditFormValues = Partial<Record<AuditFormField | 'limit' | 'cursor', string>>;

/** An error of one field (or of the whole query: `field` undefined), shown above the form and beside the field. */
export interface AuditFormError {
  field?: AuditFormField | 'limit' | 'cursor';
  message: string;
}

const TEXT_FIELDS: readonly { name: AuditFormField; label: string; hint: string; max: number }[] = [
  { name: 'user', label: 'User', hint: 'principal id, e.g. demo:alice', max: 300 },
  { name: 'role', label: 'Role', hint: 'ARN, or a name matching any path', max: 2048 },
  { name: 'account', label: 'Account', hint: '12-digit account id', max: 12 },
  { name: 'type', label: 'Event type', hint: "exact (credentials.issue) or a prefix ending in '.' (admin.)", max: 100 },
  { name: 'from', label: 'From', hint: 'ISO 8601 with a zone, inclusive, e.g. 2026-12-01T00:00:00Z', max: 40 },
  { name: 'to', label: 'To', hint: 'exclusive', max: 40 },
];

const CHOICES: readonly { name: 'outcome' | 'surface'; label: string; options: readonly string[] }[] = [
  { name: 'outcome', label: 'Outcome', options: ['success', 'denied', 'error'] },
  { name: 'surface', label: 'Surface', options: AUDIT_SURFACES },
];

/** The surface of an event as the filter and the usage report tell it (its user agent). */
function surfaceOf(userAgent: string | undefined): string {
  if (userAgent?.startsWith('rolegate-cli')) return 'cli';
  if (userAgent?.startsWith('Mozilla/')) return 'portal';
  return 'api';
}

/** Long input is shown back cut short (the URL may hold kilobytes). */
const shown = (value: string | undefined) => (value === undefined ? '' : value.slice(0, 2048));

function fieldError(name: string, errors: readonly AuditFormError[]): AuditFormError | undefined {
  return errors.find((e) => e.field === name);
}

function textField(field: (typeof TEXT_FIELDS)[number], values: AuditFormValues, errors: readonly AuditFormError[]): Raw {
  const error = fieldError(field.name, errors);
  const id = `f-${field.name}`;
  const describedBy = error ? `${id}-hint ${id}-error` : `${id}-hint`;
  return html`<p>
    <label for="${id}">${field.label}</label>
    <input
      id="${id}"
      name="${field.name}"
      type="text"
      value="${shown(values[field.name])}"
      aria-describedby="${describedBy}"
      ${error ? html`aria-invalid="true"` : html``}
    />
    <small id="${id}-hint">${field.hint}</small>
    ${error ? html`<small id="${id}-error" class="error">${error.message}</small>` : html``}
  </p>`;
}

function choiceField(choice: (typeof CHOICES)[number], values: AuditFormValues, errors: readonly AuditFormError[]): Raw {
  const current = values[choice.name] ?? '';
  const error = fieldError(choice.name, errors);
  const id = `f-${choice.name}`;
  const option = (value: string, label: string) =>
    value === current ? html`<option value="${value}" selected>${label}</option>` : html`<option value="${value}">${label}</option>`;
  return html`<p>
    <label for="${id}">${choice.label}</label>
    <select id="${id}" name="${choice.name}" ${error ? html`aria-invalid="true" aria-describedby="${id}-error"` : html``}>
      ${option('', 'any')} ${choice.options.map((o) => option(o, o))}
    </select>
    ${error ? html`<small id="${id}-error" class="error">${error.message}</small>` : html``}
  </p>`;
}

/** The query string of a link to this page with these values (empty ones left out). */
function queryOf(values: AuditFormValues, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  const merged: Record<string, string | undefined> = { ...values, ...extra };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') q.set(k, v);
  return q.toString();
}

const LABELS: Record<string, string> = Object.fromEntries([
  ...TEXT_FIELDS.map((f): [string, string] => [f.name, f.label]),
  ...CHOICES.map((c): [string, string] => [c.name, c.label]),
  ['limit', 'Page size'],
  ['cursor', 'Page'],
]);

/**
 * /admin/audit: the audit log with its filters, a GET form (a filtered view is a link, and it works
 * without scripts), newest first, paged by keyset cursor ("Older events"). With `errors`, the form
 * again with what was typed and why each field was refused (the route answers it as a 400).
 */
export function auditPage(input: {
  values: AuditFormValues;
  events?: readonly AuditEventView[];
  nextCursor?: string;
  errors?: readonly AuditFormError[];
}): string {
  const { values } = input;
  const errors = input.errors ?? [];
  const summary =
    errors.length === 0
      ? html``
      : html`<div class="error-summary" role="alert" aria-labelledby="audit-errors">
          <h2 id="audit-errors">The filters could not be used</h2>
          <ul>
            ${errors.map((e) =>
              e.field && e.field !== 'limit' && e.field !== 'cursor'
                ? html`<li><a href="#f-${e.field}">${LABELS[e.field] ?? e.field}: ${e.message}</a></li>`
                : html`<li>${e.field ? `${LABELS[e.field] ?? e.field}: ` : ''}${e.message}</li>`,
            )}
          </ul>
          ${
            errors.some((e) => e.field === 'cursor' || e.field === 'limit')
              ? html`<p>
                  <a href="/admin/audit?${queryOf(values, { cursor: '', limit: '' })}">Show the newest events with these filters</a>
                </p>`
              : html``
          }
        </div>`;
  const form = html`<form method="get" action="/admin/audit" role="search" aria-label="Filter the audit log" class="audit-filters">
    <div class="audit-filter-fields">
      ${TEXT_FIELDS.slice(0, 4).map((f) => textField(f, values, errors))} ${CHOICES.map((c) => choiceField(c, values, errors))}
      ${TEXT_FIELDS.slice(4).map((f) => textField(f, values, errors))}
    </div>
    ${values.limit !== undefined && values.limit !== '' ? html`<input type="hidden" name="limit" value="${shown(values.limit)}" />` : html``}
    <p>
      <button type="submit">Filter</button>
      <a href="/admin/audit">Clear the filters</a>
    </p>
  </form>`;
  const events = input.events;
  const rows = (events ?? []).map(
    (e) =>
      html`<tr>
        <td><time datetime="${e.at}">${e.at}</time></td>
        <td>${e.type}</td>
        <td>${e.outcome}</td>
        <td>${e.subject ?? ''}</td>
        <td>${e.accountId ?? ''}</td>
        <td>${e.roleArn ? html`<code>${e.roleArn}</code>` : ''}</td>
        <td>${surfaceOf(e.userAgent)}</td>
        <td>${e.reason ?? ''}</td>
        <td>${e.details ? html`<code>${JSON.stringify(e.details)}</code>` : ''}</td>
      </tr>`,
  );
  const table =
    events === undefined
      ? html``
      : events.length === 0
        ? html`<p>No events match.</p>`
        : html`<table class="audit-events">
            <caption>
              Audit events, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Outcome</th>
                <th scope="col">User</th>
                <th scope="col">Account</th>
                <th scope="col">Role</th>
                <th scope="col">Surface</th>
                <th scope="col">Reason</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`;
  const paging =
    events === undefined
      ? html``
      : html`<nav aria-label="Pages of the audit log">
          <p>
            ${values.cursor ? html`<a href="/admin/audit?${queryOf(values, { cursor: '' })}">Newest events</a>` : html``}
            ${input.nextCursor ? html`<a href="/admin/audit?${queryOf(values, { cursor: input.nextCursor })}" rel="next">Older events</a>` : html``}
          </p>
        </nav>`;
  const exportQuery = queryOf(values, { cursor: '', limit: '', format: 'jsonl' });
  const exportLink =
    events === undefined ? html`` : html`<p><a href="/api/v1/admin/audit?${exportQuery}">Export these events as JSON lines</a></p>`;
  return adminPage('Audit log', 'audit', html`${summary}${form}${table}${paging}${exportLink}`);
}

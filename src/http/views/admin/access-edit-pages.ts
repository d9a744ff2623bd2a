import type { AccessDocument, AccountEntry, MappingEntry, RoleEntry } from '../../../domain/access-document.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';
import { conditions } from './mappings-page.js';

/** The three kinds of object the pages edit, by the plural their URLs use. */
export type EditKind = 'account' | 'role' | 'mapping';
export const PLURAL: Record<EditKind, 'accounts' | 'roles' | 'mappings'> = { account: 'accounts', role: 'roles', mapping: 'mappings' };

type FieldType = 'text' | 'number' | 'list' | 'lines' | 'checkbox' | 'select' | 'json';

/** One form field: its name is the object's field path (`approval.maxGrant`), so an error's path names it. */
export interface FieldSpec {
  name: string;
  label: string;
  type: FieldType;
  options?: readonly string[];
  hint?: string;
  required?: boolean;
  maxlength?: number;
  /** Shown only when creating (an account's id is its key and never changes). */
  createOnly?: boolean;
  /** The fieldset the field belongs to (`approval`, `revoker`). */
  group?: string;
  /** A checkbox that starts ticked on a new object (the schema's default is true). */
  checkedByDefault?: boolean;
}

export const FIELDS: Record<EditKind, readonly FieldSpec[]> = {
  account: [
    { name: 'id', label: 'AWS account id', type: 'text', required: true, maxlength: 12, createOnly: true, hint: '12 digits' },
    { name: 'alias', label: 'Alias', type: 'text', required: true, maxlength: 63, hint: 'letters, digits, ., _ or -' },
    { name: 'partition', label: 'Partition', type: 'select', options: ['aws', 'aws-us-gov', 'aws-cn'] },
    { name: 'region', label: 'Region', type: 'text', maxlength: 40, hint: 'default us-east-1' },
    { name: 'stsEndpoint', label: 'STS endpoint (optional)', type: 'text', maxlength: 2048, hint: 'an https URL' },
    { name: 'tags', label: 'Tags', type: 'list', maxlength: 4000, hint: 'comma-separated, e.g. prod, pci' },
    { name: 'owners', label: 'Owner groups (access reviews)', type: 'list', maxlength: 16000, hint: 'comma-separated group names' },
    { name: 'revoker.roleArn', label: 'Revoker role ARN', type: 'text', maxlength: 2048, group: 'revoker' },
    { name: 'revoker.externalId', label: 'Revoker ExternalId', type: 'text', maxlength: 1224, group: 'revoker' },
  ],
  role: [
    { name: 'arn', label: 'Role ARN', type: 'text', required: true, maxlength: 2048, hint: 'arn:aws:iam::<account>:role/<name>' },
    { name: 'mode', label: 'Exchange mode', type: 'select', options: ['saml', 'web-identity', 'assume-role'] },
    { name: 'providerArn', label: 'Provider ARN (saml, web-identity)', type: 'text', maxlength: 2048 },
    { name: 'externalId', label: 'ExternalId (assume-role)', type: 'text', maxlength: 1224 },
    { name: 'maxSessionSeconds', label: 'Longest session, seconds', type: 'number', hint: '3600-43200, as the role’s MaxSessionDuration' },
    { name: 'description', label: 'Description', type: 'text', maxlength: 500 },
  ],
  mapping: [
    { name: 'group', label: 'Group', type: 'text', required: true, maxlength: 256 },
    { name: 'match', label: 'Group match', type: 'select', options: ['exact', 'glob'] },
    { name: 'idp', label: 'Identity provider (slug; empty: any)', type: 'text', maxlength: 63 },
    { name: 'role', label: 'Role ARN', type: 'text', required: true, maxlength: 2048 },
    { name: 'access', label: 'Access', type: 'select', options: ['standing', 'eligible'], hint: 'eligible: requested and approved' },
    { name: 'requireMfa', label: 'Require MFA', type: 'checkbox' },
    { name: 'mfaMaxAgeSeconds', label: 'MFA at most this old, seconds', type: 'number', hint: 'with Require MFA, 60-86400' },
    { name: 'maxSessionSeconds', label: 'Longest session, seconds', type: 'number', hint: '900-43200' },
    { name: 'allowedCidrs', label: 'Allowed source networks', type: 'lines', maxlength: 16000, hint: 'one CIDR a line' },
    { name: 'breakGlass', label: 'Break-glass (typed justification, audited)', type: 'checkbox' },
    {
      name: 'approval.approverGroups',
      label: 'Approver groups',
      type: 'list',
      maxlength: 16000,
      group: 'approval',
      hint: 'comma-separated',
    },
    { name: 'approval.approvals', label: 'Approvals needed', type: 'select', options: ['1', '2'], group: 'approval' },
    { name: 'approval.maxGrant', label: 'Longest grant', type: 'text', maxlength: 20, group: 'approval', hint: '15m-7d, e.g. 4h' },
    { name: 'approval.reasonRequired', label: 'A reason is required', type: 'checkbox', group: 'approval', checkedByDefault: true },
    { name: 'approval.ticketPattern', label: 'Ticket pattern (regular expression)', type: 'text', maxlength: 200, group: 'approval' },
    { name: 'approval.autoApproveGroups', label: 'Auto-approved groups', type: 'list', maxlength: 16000, group: 'approval' },
    {
      name: 'approval.approverMfaMaxAge',
      label: 'Approver MFA at most this old',
      type: 'text',
      maxlength: 20,
      group: 'approval',
      hint: 'e.g. 1h',
    },
    { name: 'sessionPolicy', label: 'Session policy (JSON)', type: 'json', maxlength: 20000, hint: 'an IAM policy document' },
    { name: 'sessionPolicyArns', label: 'Session policy ARNs', type: 'lines', maxlength: 4000, hint: 'one managed policy ARN a line' },
    { name: 'sessionPolicyDescription', label: 'Session policy description', type: 'text', maxlength: 200 },
  ],
};

const GROUP_LEGENDS: Record<string, string> = {
  approval: 'Approval (eligible mappings only)',
  revoker: 'Revoker role (optional: rolegate attaches revocation Deny policies in this account)',
};

/** What a form shows: the text of each field ('on' for a ticked checkbox). */
export type FormValues = Record<string, string>;

/** Problems by field name ('' for the form as a whole), in the API's words. */
export type FieldErrors = Map<string, string[]>;

/** The access-as-code switch as the pages show it. */
export interface AsCode {
  /** admin.accessFile, when the model is applied from a file at start-up. */
  file?: string;
}

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;
const fieldId = (name: string) => `f-${name.replace(/\./g, '-')}`;

/** The object's natural key in words, for headings and notices. */
export function labelOf(kind: EditKind, entry: Record<string, unknown>): string {
  if (kind === 'account') return `${String(entry.alias)} (${String(entry.id)})`;
  if (kind === 'role') return String(entry.arn);
  return `${String(entry.group)} → ${String(entry.role)}`;
}

function asCodeBanner(asCode: AsCode | undefined): Raw {
  if (!asCode) return html``;
  return html`<p class="warning" role="note" id="as-code">
    The access model is managed as code${asCode.file ? html` (applied from <code>${asCode.file}</code> at start-up)` : html``}: these pages
    do not save edits. Fill in a form and rolegate checks it and shows the YAML to commit to the access file, and the
    <code>rolegate apply</code> command.
  </p>`;
}

/** /admin/access: every account, role and mapping with Edit and Delete, and the links to add one. */
/** One page of a section of the listing: the rows shown, how many match the filter, and where the page starts. */
export interface Listed<E> {
  rows: { id: string; version: number; entry: E }[];
  total: number;
  offset: number;
}

export function accessObjectsPage(input: {
  /** Each section shown (all three, or the one being paged through). */
  accounts?: Listed<AccountEntry>;
  roles?: Listed<RoleEntry>;
  mappings?: Listed<MappingEntry>;
  /** The filter (a substring of the key fields), '' for none. */
  q: string;
  limit: number;
  canEdit: boolean;
  asCode?: AsCode;
  notice?: string;
}): string {
  const link = (kind: EditKind | undefined, offset: number) => {
    const query = new URLSearchParams({
      ...(kind ? { kind } : {}),
      ...(input.q ? { q: input.q } : {}),
      ...(offset > 0 ? { offset: String(offset) } : {}),
    });
    const text = query.toString();
    return `/admin/access${text ? `?${text}` : ''}`;
  };
  const pager = (kind: EditKind, listed: Listed<unknown>, all: boolean) => {
    const first = listed.total === 0 ? 0 : listed.offset + 1;
    const last = listed.offset + listed.rows.length;
    const label = PLURAL[kind];
    const shown = html`<p>
      ${listed.total === 0 ? `No ${label}${input.q ? ' match the filter' : ''}.` : `${String(first)}–${String(last)} of ${String(listed.total)} ${label}.`}
    </p>`;
    if (all)
      return last < listed.total
        ? html`${shown}
            <p><a href="${link(kind, 0)}">Page through all ${String(listed.total)} ${label}</a></p>`
        : shown;
    const previous =
      listed.offset > 0 ? html`<a href="${link(kind, Math.max(0, listed.offset - input.limit))}" rel="prev">Previous ${label}</a>` : html``;
    const next = last < listed.total ? html`<a href="${link(kind, last)}" rel="next">Next ${label}</a>` : html``;
    return html`${shown}
      <p>${previous} ${next} <a href="${link(undefined, 0)}">Every kind</a></p>`;
  };
  const all = [input.accounts, input.roles, input.mappings].every((l) => l !== undefined);
  const actions = (kind: EditKind, id: string, label: string) =>
    input.canEdit
      ? html`<a href="/admin/access/${PLURAL[kind]}/${encodeURIComponent(id)}" aria-label="Edit ${kind} ${label}">Edit</a> ·
          <a href="/admin/access/${PLURAL[kind]}/${encodeURIComponent(id)}/delete" aria-label="Delete ${kind} ${label}">Delete</a>`
      : html`<a href="/admin/access/${PLURAL[kind]}/${encodeURIComponent(id)}" aria-label="View ${kind} ${label}">View</a>`;
  const add = (kind: EditKind, text: string) =>
    input.canEdit ? html`<p><a href="/admin/access/${PLURAL[kind]}/new">${text}</a></p>` : html``;
  const body = html`${input.notice ? html`<p role="status">${input.notice}</p>` : html``} ${asCodeBanner(input.asCode)}
    ${input.canEdit ? html`` : html`<p role="note">You have read-only access (auditor): changes need an administrator.</p>`}
    <form method="get" action="/admin/access" role="search" aria-label="Filter the access model">
      <label for="access-q">Filter (alias, account id, role ARN, group)</label>
      <input id="access-q" name="q" value="${input.q}" maxlength="200" />
      <button type="submit">Filter</button>
    </form>
    ${
      input.accounts
        ? html`<section aria-labelledby="accounts">
            <h2 id="accounts">Accounts</h2>
            ${add('account', 'Add an account')}
            <table aria-labelledby="accounts">
              <thead>
                <tr>
                  <th scope="col">Alias</th>
                  <th scope="col">Id</th>
                  <th scope="col">Partition, region</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Owners</th>
                  <th scope="col">Revoker</th>
                  <th scope="col">Version</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${input.accounts.rows.map(
                  (a) =>
                    html`<tr>
                      <td>${a.entry.alias}</td>
                      <td><code>${a.entry.id}</code></td>
                      <td>${a.entry.partition}, ${a.entry.region}</td>
                      <td>${(a.entry.tags ?? []).join(', ')}</td>
                      <td>${(a.entry.owners ?? []).join(', ')}</td>
                      <td>${a.entry.revoker ? html`<code>${a.entry.revoker.roleArn}</code>` : 'none'}</td>
                      <td>${String(a.version)}</td>
                      <td>${actions('account', a.id, a.entry.alias)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${pager('account', input.accounts, all)}
          </section>`
        : html``
    }
    ${
      input.roles
        ? html`<section aria-labelledby="roles">
            <h2 id="roles">Roles</h2>
            ${add('role', 'Add a role')}
            <table aria-labelledby="roles">
              <thead>
                <tr>
                  <th scope="col">ARN</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Longest session</th>
                  <th scope="col">Description</th>
                  <th scope="col">Version</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${input.roles.rows.map(
                  (r) =>
                    html`<tr>
                      <td><code>${r.entry.arn}</code></td>
                      <td>${r.entry.mode}</td>
                      <td>${String(r.entry.maxSessionSeconds)} s</td>
                      <td>${r.entry.description}</td>
                      <td>${String(r.version)}</td>
                      <td>${actions('role', r.id, r.entry.arn)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${pager('role', input.roles, all)}
          </section>`
        : html``
    }
    ${
      input.mappings
        ? html`<section aria-labelledby="mappings">
            <h2 id="mappings">Group mappings</h2>
            ${add('mapping', 'Add a mapping')}
            <table aria-labelledby="mappings">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Role</th>
                  <th scope="col">Access</th>
                  <th scope="col">Conditions</th>
                  <th scope="col">Version</th>
                  <th scope="col"><span class="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                ${input.mappings.rows.map(
                  (m) =>
                    html`<tr>
                      <td>${m.entry.group}${m.entry.match === 'glob' ? ' (pattern)' : ''}${m.entry.idp ? ` from ${m.entry.idp}` : ''}</td>
                      <td><code>${m.entry.role}</code></td>
                      <td>${m.entry.access}</td>
                      <td>${conditions(m.entry)}</td>
                      <td>${String(m.version)}</td>
                      <td>${actions('mapping', m.id, `${m.entry.group} → ${m.entry.role}`)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${pager('mapping', input.mappings, all)}
          </section>`
        : html``
    }`;
  return adminPage('Edit access', 'access', body);
}

function fieldControl(spec: FieldSpec, values: FormValues, errors: FieldErrors, disabled: boolean): Raw {
  const id = fieldId(spec.name);
  const value = values[spec.name] ?? '';
  const problems = errors.get(spec.name) ?? [];
  const described = [spec.hint ? `${id}-hint` : '', problems.length > 0 ? `${id}-error` : ''].filter((s) => s !== '').join(' ');
  const common = {
    invalid: problems.length > 0 ? html` aria-invalid="true"` : html``,
    described: described ? html` aria-describedby="${described}"` : html``,
    disabled: disabled ? html` disabled` : html``,
    maxlength: spec.maxlength === undefined ? html`` : html` maxlength="${String(spec.maxlength)}"`,
    required: spec.required ? html` required` : html``,
  };
  const hint = spec.hint ? html`<span class="hint" id="${id}-hint">${spec.hint}</span>` : html``;
  const error = problems.length > 0 ? html`<span class="field-error" id="${id}-error">${problems.join('; ')}</span>` : html``;
  if (spec.type === 'checkbox') {
    return html`<p class="field checkbox">
      <input
        type="checkbox"
        id="${id}"
        name="${spec.name}"
        value="on"
        ${value === 'on' ? html`checked` : html``}${common.invalid}${common.described}${common.disabled}
      />
      <label for="${id}">${spec.label}</label> ${hint} ${error}
    </p>`;
  }
  let control: Raw;
  if (spec.type === 'select') {
    const options = spec.options ?? [];
    control = html`<select id="${id}" name="${spec.name}" ${common.invalid}${common.described}${common.disabled}>
      ${options.map((o) => html`<option value="${o}" ${o === (value || options[0]) ? html`selected` : html``}>${o}</option>`)}
    </select>`;
  } else if (spec.type === 'lines' || spec.type === 'json') {
    control = html`<textarea
      id="${id}"
      name="${spec.name}"
      rows="${spec.type === 'json' ? '6' : '3'}"
      ${common.invalid}${common.described}${common.disabled}${common.maxlength}
    >
${value}</textarea>`;
  } else {
    control = html`<input
      id="${id}"
      name="${spec.name}"
      value="${value}"
      ${spec.type === 'number' ? html`inputmode="numeric"` : html``}${common.invalid}${common.described}${common.disabled}${common.maxlength}${common.required}
    />`;
  }
  return html`<p class="field">
    <label for="${id}">${spec.label}</label>
    ${control} ${hint} ${error}
  </p>`;
}

function problemSummary(kind: EditKind, errors: FieldErrors, detail: string | undefined): Raw {
  if (detail === undefined) return html``;
  const labels = new Map<string, string>(FIELDS[kind].map((f) => [f.name, f.label]));
  for (const [group, legend] of Object.entries(GROUP_LEGENDS)) labels.set(group, legend);
  const beside = [...errors.entries()].filter(([field]) => field !== '');
  const general = errors.get('') ?? [];
  // Each field's problem links to its field, so a keyboard user goes from the summary to the field in one step.
  return html`<div class="error" role="alert" id="problems">
    <p>The ${kind} was not saved: ${detail}</p>
    ${
      beside.length > 0
        ? html`<ul aria-label="Problems by field">
            ${beside.map(
              ([field, messages]) => html`<li><a href="#${fieldId(field)}">${labels.get(field) ?? field}</a>: ${messages.join('; ')}</li>`,
            )}
          </ul>`
        : html``
    }
    ${
      general.length > 0
        ? html`<ul>
            ${general.map((g) => html`<li>${g}</li>`)}
          </ul>`
        : html``
    }
  </div>`;
}

/** The fields of one object, grouped into their fieldsets, with the problems beside them. */
function fieldsOf(kind: EditKind, values: FormValues, errors: FieldErrors, options: { creating: boolean; disabled: boolean }): Raw {
  const specs = FIELDS[kind].filter((s) => options.creating || !s.createOnly);
  const out: Raw[] = [];
  const done = new Set<string>();
  for (const spec of specs) {
    if (spec.group === undefined) {
      out.push(fieldControl(spec, values, errors, options.disabled));
      continue;
    }
    if (done.has(spec.group)) continue;
    done.add(spec.group);
    const groupErrors = errors.get(spec.group) ?? [];
    out.push(
      html`<fieldset
        id="${fieldId(spec.group)}"
        ${groupErrors.length > 0 ? html` aria-describedby="${fieldId(spec.group)}-error"` : html``}
      >
        <legend>${GROUP_LEGENDS[spec.group] ?? spec.group}</legend>
        ${groupErrors.length > 0 ? html`<p class="field-error" id="${fieldId(spec.group)}-error">${groupErrors.join('; ')}</p>` : html``}
        ${specs.filter((s) => s.group === spec.group).map((s) => fieldControl(s, values, errors, options.disabled))}
      </fieldset>`,
    );
  }
  return html`${out}`;
}

/** The form to add (no id) or change an object; auditors see the fields without a form to send. */
export function objectFormPage(input: {
  kind: EditKind;
  id?: string;
  version?: number;
  values: FormValues;
  errors?: FieldErrors;
  detail?: string;
  csrfToken: string;
  canEdit: boolean;
  asCode?: AsCode;
  /** The role ARNs a mapping may name, offered as suggestions. */
  roleArns?: readonly string[];
  /** A notice above the form (the conflict page's "saving replaces version N"). */
  intro?: Raw;
  title?: string;
}): string {
  const { kind } = input;
  const creating = input.id === undefined;
  const errors = input.errors ?? new Map<string, string[]>();
  const action = creating ? `/admin/access/${PLURAL[kind]}` : `/admin/access/${PLURAL[kind]}/${encodeURIComponent(input.id ?? '')}`;
  const title =
    input.title ??
    (creating
      ? `Add ${kind === 'account' ? 'an account' : `a ${kind}`}`
      : `${input.canEdit ? 'Edit' : ''} ${kind} ${labelOf(kind, valuesEntry(kind, input.values))}`.trim());
  const heading = title.charAt(0).toUpperCase() + title.slice(1);
  const fields = fieldsOf(kind, input.values, errors, { creating, disabled: !input.canEdit });
  const datalist =
    kind === 'mapping' && input.roleArns && input.roleArns.length > 0
      ? html`<datalist id="role-arns">${input.roleArns.map((arn) => html`<option value="${arn}"></option>`)}</datalist>`
      : html``;
  const body = input.canEdit
    ? html`${problemSummary(kind, errors, input.detail)} ${asCodeBanner(input.asCode)} ${input.intro ?? html``}
        <form method="post" action="${action}" class="object-form" novalidate aria-label="${heading}">
          ${csrfField(input.csrfToken)}
          ${input.version === undefined ? html`` : html`<input type="hidden" name="version" value="${String(input.version)}" />`}
          ${creating || kind !== 'account' ? html`` : html`<p>Account id <code>${input.values.id ?? ''}</code> (it cannot change).</p>`}
          ${fields} ${datalist}
          <p>
            <button type="submit">${input.asCode ? 'Check and show the YAML' : creating ? `Add the ${kind}` : 'Save changes'}</button>
            <a href="/admin/access">Cancel</a>
          </p>
        </form>`
    : html`<p role="note">You have read-only access (auditor): changes need an administrator.</p>
        ${input.version === undefined ? html`` : html`<p>Version ${String(input.version)}</p>`}
        <div class="object-form">${fields}</div>
        <p><a href="/admin/access">Back to the access model</a></p>`;
  return adminPage(heading, 'access', body);
}

/** The entry a form's values describe, only for labels (never validated here). */
function valuesEntry(kind: EditKind, values: FormValues): Record<string, unknown> {
  return kind === 'account'
    ? { id: values.id, alias: values.alias }
    : kind === 'role'
      ? { arn: values.arn }
      : { group: values.group, role: values.role };
}

/** Someone else changed (or deleted) the object since the form was read: both versions, and what to do. */
export function conflictPage(input: {
  kind: EditKind;
  id: string;
  sentVersion: number;
  yours: string;
  current?: { version: number; yaml: string; fields: readonly string[] };
  /** Your values again, to save over the current version on purpose. */
  keep?: { values: FormValues; csrfToken: string };
  action: 'change' | 'delete';
}): string {
  const { kind } = input;
  const href = `/admin/access/${PLURAL[kind]}/${encodeURIComponent(input.id)}`;
  const current = input.current;
  const body = current
    ? html`<p class="error" role="alert">
          Not saved: someone changed this ${kind} since you opened the form. You read version ${String(input.sentVersion)}; it is now at
          version ${String(current.version)}. Nothing was overwritten.
        </p>
        ${current.fields.length > 0 ? html`<p>Fields that differ between the two: ${current.fields.join(', ')}.</p>` : html``}
        <div class="versions">
          <section aria-labelledby="yours">
            <h2 id="yours">Your version (${input.action === 'delete' ? 'you asked to delete it' : 'not saved'})</h2>
            <pre aria-label="Your version"><code>${input.yours}</code></pre>
          </section>
          <section aria-labelledby="theirs">
            <h2 id="theirs">Current version ${String(current.version)}</h2>
            <pre aria-label="Current version"><code>${current.yaml}</code></pre>
          </section>
        </div>
        <h2>What now</h2>
        <ul>
          <li>
            <a href="${input.action === 'delete' ? `${href}/delete` : href}">Start again from version ${String(current.version)}</a> (your
            edits are dropped)
          </li>
          <li><a href="/admin/access">Back to the access model</a></li>
        </ul>
        ${
          input.keep
            ? html`<form method="post" action="${href}" aria-label="Save your version over version ${String(current.version)}">
                ${csrfField(input.keep.csrfToken)}
                <input type="hidden" name="version" value="${String(current.version)}" />
                ${Object.entries(input.keep.values)
                  .filter(([name]) => name !== 'version')
                  .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
                <button type="submit" class="danger">Save your version over version ${String(current.version)}</button>
              </form>`
            : html``
        }`
    : html`<p class="error" role="alert">
          Not saved: there is no such ${kind} any more; it was deleted since you opened the form. Nothing was written.
        </p>
        <section aria-labelledby="yours">
          <h2 id="yours">Your version</h2>
          <pre aria-label="Your version"><code>${input.yours}</code></pre>
        </section>
        <p><a href="/admin/access/${PLURAL[kind]}/new">Add it again</a> · <a href="/admin/access">Back to the access model</a></p>`;
  return adminPage(`Conflict: the ${kind} changed since you read it`, 'access', body);
}

/** The confirmation before deleting, with the object as it is now. */
export function deleteConfirmPage(input: {
  kind: EditKind;
  id: string;
  version: number;
  label: string;
  yaml: string;
  csrfToken: string;
  asCode?: AsCode;
  detail?: string;
}): string {
  const { kind } = input;
  const body = html`${input.detail ? html`<p class="error" role="alert">Not deleted: ${input.detail}</p>` : html``}
    ${asCodeBanner(input.asCode)}
    <p>
      Delete the ${kind} <strong>${input.label}</strong> (version
      ${String(input.version)})?${
        kind === 'mapping' ? ' Its members lose this role at their next request; just-in-time grants through it end.' : ''
      }
    </p>
    <pre aria-label="The ${kind}"><code>${input.yaml}</code></pre>
    <form method="post" action="/admin/access/${PLURAL[kind]}/${encodeURIComponent(input.id)}/delete">
      ${csrfField(input.csrfToken)}
      <input type="hidden" name="version" value="${String(input.version)}" />
      <button type="submit" class="danger">${input.asCode ? `Show the file without this ${kind}` : `Delete the ${kind}`}</button>
      <a href="/admin/access">Cancel</a>
    </form>`;
  return adminPage(`Delete ${kind} ${input.label}?`, 'access', body);
}

/** Managed as code: the checked edit as the YAML to commit, and the commands that apply it. */
export function fileToApplyPage(input: {
  kind: EditKind;
  action: 'add' | 'change' | 'remove';
  label: string;
  fragment: string;
  document: AccessDocument;
  whole: string;
  asCode: AsCode;
}): string {
  const { kind } = input;
  const verb = input.action === 'add' ? 'add' : input.action === 'change' ? 'change' : 'remove';
  const body = html`${asCodeBanner(input.asCode)}
    <p role="status">Checked: the ${kind} is valid and the access model holds together with this change. Nothing was saved.</p>
    <p>
      ${input.action === 'add' ? 'Add this' : input.action === 'change' ? 'Replace the entry with this' : 'Delete this entry'}
      ${input.action === 'remove' ? 'from' : 'under'} <code>${PLURAL[kind]}</code> in the access file:
    </p>
    <pre aria-label="YAML fragment"><code>${input.fragment}</code></pre>
    <h2>Apply it</h2>
    <pre aria-label="Commands"><code>rolegate apply -f access.yaml --dry-run   # the diff, and who gains or loses which role
rolegate apply -f access.yaml</code></pre>
    <details>
      <summary>
        The whole access file with this change (${String(input.document.accounts.length)} accounts, ${String(input.document.roles.length)}
        roles, ${String(input.document.mappings.length)} mappings)
      </summary>
      <pre aria-label="Whole access file"><code>${input.whole}</code></pre>
    </details>
    <p><a href="/admin/access">Back to the access model</a></p>`;
  return adminPage(`The file to apply: ${verb} ${kind} ${input.label}`, 'access', body);
}

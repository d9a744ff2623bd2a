import type { AccessDocument, MappingEntry } from '../../../domain/access-document.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

/** What a mapping asks of the user, in words. */
export function conditions(m: MappingEntry): string {
  const parts: string[] = [];
  if (m.access === 'eligible' && m.approval) {
    const { approverGroups, approvals, maxGrant, autoApproveGroups } = m.approval;
    parts.push(
      `eligible: ${approvals === 2 ? 'two approvals' : 'approval'} by ${approverGroups.join(', ')}, grants ≤ ${maxGrant}` +
        (autoApproveGroups.length > 0 ? `, auto-approved for ${autoApproveGroups.join(', ')}` : ''),
    );
  }
  if (m.requireMfa) parts.push(m.mfaMaxAgeSeconds === undefined ? 'MFA required' : `MFA within ${String(m.mfaMaxAgeSeconds)} s`);
  if (m.maxSessionSeconds !== undefined) parts.push(`sessions ≤ ${String(m.maxSessionSeconds)} s`);
  if (m.allowedCidrs.length > 0) parts.push(`from ${m.allowedCidrs.join(', ')}`);
  if (m.breakGlass) parts.push('break-glass (justification, audited)');
  if (m.sessionPolicy !== undefined || (m.sessionPolicyArns ?? []).length > 0)
    parts.push(`session policy: ${m.sessionPolicyDescription ?? `${m.sessionPolicy ? 'inline' : ''}${m.sessionPolicy && m.sessionPolicyArns?.length ? ' + ' : ''}${m.sessionPolicyArns?.length ? `${String(m.sessionPolicyArns.length)} managed` : ''}`}`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

const groupLabel = (m: MappingEntry) => `${m.group}${m.match === 'glob' ? ' (pattern)' : ''}${m.idp ? ` from ${m.idp}` : ''}`;

/** The access model grouped two ways: what each group grants, and who can take each role through which group. */
export function mappingsPage(doc: AccessDocument, by: 'group' | 'role'): string {
  const aliasOf = new Map(doc.accounts.map((a) => [a.id, a.alias]));
  const roleLabel = (arn: string) => {
    const account = /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1] ?? '';
    return `${arn.split('/').at(-1) ?? arn} in ${aliasOf.get(account) ?? account}`;
  };
  const sections: Raw[] = [];
  if (by === 'group') {
    const groups = [...new Set(doc.mappings.map(groupLabel))].sort();
    for (const group of groups) {
      const rows = doc.mappings.filter((m) => groupLabel(m) === group).sort((a, b) => a.role.localeCompare(b.role));
      sections.push(
        html`<section>
          <h2>${group}</h2>
          <table>
            <caption>
              Roles that members of ${group} may take
            </caption>
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">ARN</th>
                <th scope="col">Conditions</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (m) =>
                  html`<tr>
                    <td>${roleLabel(m.role)}</td>
                    <td><code>${m.role}</code></td>
                    <td>${conditions(m)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </section>`,
      );
    }
  } else {
    for (const role of [...doc.roles].sort((a, b) => a.arn.localeCompare(b.arn))) {
      const rows = doc.mappings.filter((m) => m.role === role.arn);
      sections.push(
        html`<section>
          <h2>${roleLabel(role.arn)}</h2>
          <p>
            <code>${role.arn}</code> · ${role.mode} · up to ${String(role.maxSessionSeconds)}
            s${role.description ? ` · ${role.description}` : ''}
          </p>
          ${
            rows.length === 0
              ? html`<p>Nobody can take this role: no group is mapped to it.</p>`
              : html`<table>
                  <caption>
                    Who can take ${roleLabel(role.arn)}, and through which group
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Group</th>
                      <th scope="col">Conditions</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (m) =>
                        html`<tr>
                          <td>${groupLabel(m)}</td>
                          <td>${conditions(m)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
        </section>`,
      );
    }
  }
  const empty = html`<p>No mappings yet. Apply an access file (<code>rolegate apply -f access.yaml</code>) or use the admin API.</p>`;
  return adminPage(by === 'group' ? 'Mappings by group' : 'Mappings by role', 'mappings', sections.length > 0 ? html`${sections}` : empty);
}

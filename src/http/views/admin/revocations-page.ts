import type { RevocationPreview } from '../../../features/admin/revocation-preview.js';
import type { RevocationResult } from '../../../features/admin/revoke-access.js';
import type { RevocationJob } from '../../../ports/revocation-jobs.js';
import { html, type Raw } from '../html.js';
import { adminPage } from './admin-layout.js';

/** What the revocation form was filled with (shown again with an error). */
export interface RevocationFormValues {
  user?: string;
  account?: string;
  role?: string;
}

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;
const errorOf = (error: string | undefined) => (error ? html`<p class="error" role="alert">${error}</p>` : html``);
const iso = (d: Date | undefined) => (d === undefined ? '' : d.toISOString());
const roleList = (label: string, arns: readonly string[]) =>
  arns.length === 0
    ? html`<p>${label}: none.</p>`
    : html`<ul aria-label="${label}">
        ${arns.map((a) => html`<li><code>${a}</code></li>`)}
      </ul>`;

/** /admin/revocations: the form naming a user or a role, and every role's AWS revocation job. */
export function revocationsPage(input: { jobs: readonly RevocationJob[]; form?: RevocationFormValues; error?: string }): string {
  const form = input.form ?? {};
  const body = html`${errorOf(input.error)}
    <p>
      Revoking a user ends their portal sessions and CLI sessions and drops their cached credentials; revoking a role drops every cached
      credential for it. AWS sessions already issued are ended by a Deny policy: attached by a job in accounts with a revoker role, by you
      in the others. You confirm on the next page.
    </p>
    <form method="get" action="/admin/revocations/confirm" aria-label="Revoke a user">
      <h2>Revoke a user</h2>
      <p>
        <label for="rv-user">User (principal id or username)</label>
        <input id="rv-user" name="user" value="${form.user ?? ''}" required maxlength="300" />
        <button type="submit">Review the user revocation</button>
      </p>
    </form>
    <form method="get" action="/admin/revocations/confirm" aria-label="Revoke a role">
      <h2>Revoke a role</h2>
      <p>
        <label for="rv-account">Account (id or alias)</label>
        <input id="rv-account" name="account" value="${form.account ?? ''}" required maxlength="100" />
        <label for="rv-role">Role (name or ARN)</label>
        <input id="rv-role" name="role" value="${form.role ?? ''}" required maxlength="2048" />
        <button type="submit">Review the role revocation</button>
      </p>
    </form>
    <h2>Revocation jobs in AWS</h2>
    ${jobsTable(input.jobs)}`;
  return adminPage('Revocations', 'revocations', body);
}

function jobsTable(jobs: readonly RevocationJob[]): Raw {
  if (jobs.length === 0) return html`<p>No revocation job: no revocation reached an account with a revoker role.</p>`;
  return html`<table>
    <caption>
      One job per affected role: pending → attached → removed, or failed
    </caption>
    <thead>
      <tr>
        <th scope="col">Role</th>
        <th scope="col">State</th>
        <th scope="col">Attempts</th>
        <th scope="col">Last error</th>
        <th scope="col">Broadened</th>
        <th scope="col">Revocations</th>
        <th scope="col">Attached</th>
        <th scope="col">Removed</th>
        <th scope="col">Next attempt</th>
      </tr>
    </thead>
    <tbody>
      ${jobs.map(
        (j) =>
          html`<tr data-role="${j.roleArn}" data-state="${j.state}">
            <td><code>${j.roleArn}</code></td>
            <td>${j.state}</td>
            <td>${String(j.attempts)}</td>
            <td>${j.lastError ?? ''}</td>
            <td>${j.broadened ? 'yes: all sessions issued before the cutoff' : 'no'}</td>
            <td>${String(j.entries.length)}</td>
            <td>${iso(j.attachedAt)}</td>
            <td>${iso(j.removedAt)}</td>
            <td>${iso(j.nextAttemptAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The confirmation: what the revocation will end, then the reason (required, audited) and the button. */
export function revocationConfirmPage(input: { preview: RevocationPreview; csrfToken: string; reason?: string; error?: string }): string {
  const p = input.preview;
  const what = p.user !== undefined ? `user ${p.user}` : `role ${p.roleArn ?? ''}`;
  const ends =
    p.user !== undefined
      ? html`<ul aria-label="What ends">
          <li>${p.liveSessions === undefined ? 'every' : String(p.liveSessions)} live portal session(s)</li>
          <li>${p.liveCliGrants === undefined ? 'every' : String(p.liveCliGrants)} CLI session(s) (grants)</li>
          <li>every cached credential of theirs</li>
          <li>AWS sessions issued to SourceIdentity <code>${p.sourceIdentity ?? ''}</code> before the revocation</li>
        </ul>`
      : html`<ul aria-label="What ends">
          <li>every cached credential for the role</li>
          <li>every AWS session of the role issued before the revocation</li>
        </ul>`;
  const body = html`${errorOf(input.error)}
    <p>Revoke <strong>${what}</strong> now? This ends:</p>
    ${ends}
    <h2>Roles affected</h2>
    ${p.affectedRoleArns.length === 0 ? html`<p>No role: they got no credentials in the last 12 hours.</p>` : html``}
    ${roleList('A job attaches the Deny (account with a revoker)', p.aws.queuedRoleArns)}
    ${roleList('You attach the Deny by hand (account without a revoker)', p.aws.byHandRoleArns)}
    <form method="post" action="/admin/revocations">
      ${csrfField(input.csrfToken)} ${p.user !== undefined ? html`<input type="hidden" name="user" value="${p.user}" />` : html``}
      ${p.roleArn !== undefined ? html`<input type="hidden" name="roleArn" value="${p.roleArn}" />` : html``}
      <label for="rv-reason">Reason (audited)</label>
      <input id="rv-reason" name="reason" value="${input.reason ?? ''}" required minlength="3" maxlength="1000" />
      <button type="submit" class="danger">Revoke ${what}</button>
      <a href="/admin/revocations">Cancel</a>
    </form>`;
  return adminPage(`Revoke ${what}?`, 'revocations', body);
}

/** After the revocation: what ended, where the Deny goes, and the policy to paste by hand. */
export function revocationResultPage(result: RevocationResult): string {
  const what = result.user !== undefined ? `user ${result.user}` : `role ${result.roleArn ?? ''}`;
  const body = html`<p role="status">Revoked ${what} at <time datetime="${result.revokedAt}">${result.revokedAt}</time>.</p>
    <ul aria-label="What ended">
      <li>${String(result.sessionsEnded)} portal session(s) ended</li>
      <li>${String(result.cliSessionsRevoked)} CLI session(s) revoked</li>
      <li>${String(result.cachedCredentialsDropped)} cached credential(s) dropped</li>
    </ul>
    <h2>In AWS</h2>
    ${roleList('Queued: a job attaches the Deny', result.aws.queuedRoleArns)}
    ${roleList('Attach this policy by hand', result.aws.byHandRoleArns)}
    <h2>The Deny policy</h2>
    <pre aria-label="Deny policy"><code>${JSON.stringify(result.policy, null, 2)}</code></pre>
    <p><a href="/admin/revocations">Back to revocations and their jobs</a></p>`;
  return adminPage(`Revoked ${what}`, 'revocations', body);
}

import { profileNameFor } from '../../../contracts/profile-name.js';
import { html, type Raw } from '../html.js';
import { formatDuration } from './durations.js';
import { portalPage, type Viewer } from './layout.js';

export interface PanelCredentials {
  account: { id: string; alias: string };
  role: { name: string; arn: string };
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: Date;
  durationSeconds: number;
  notes: string[];
}

/** The profile name `rolegate configure` gives the same role (one rule, in src/contracts). */
export { profileNameFor };

/**
 * The CLI credentials panel: the same credentials as shell exports,
 * PowerShell, a ~/.aws/credentials block, and the credential_process
 * configuration that avoids copying at all. Sent with no-store.
 */
export function credentialsPage(viewer: Viewer, c: PanelCredentials): string {
  const profile = profileNameFor(c.account.alias, c.role.name);
  const expiration = c.expiresAt.toISOString();
  const blocks: { id: string; title: string; hint: string; text: string }[] = [
    {
      id: 'bash',
      title: 'bash / zsh',
      hint: 'Paste into your terminal.',
      text: [
        `export AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
        `export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
        `export AWS_SESSION_TOKEN=${c.sessionToken}`,
      ].join('\n'),
    },
    {
      id: 'powershell',
      title: 'PowerShell',
      hint: 'Paste into a PowerShell window.',
      text: [
        `$Env:AWS_ACCESS_KEY_ID="${c.accessKeyId}"`,
        `$Env:AWS_SECRET_ACCESS_KEY="${c.secretAccessKey}"`,
        `$Env:AWS_SESSION_TOKEN="${c.sessionToken}"`,
      ].join('\n'),
    },
    {
      id: 'credentials-file',
      title: '~/.aws/credentials',
      hint: 'Add to the credentials file; use it with --profile.',
      text: [
        `[${profile}]`,
        `aws_access_key_id = ${c.accessKeyId}`,
        `aws_secret_access_key = ${c.secretAccessKey}`,
        `aws_session_token = ${c.sessionToken}`,
      ].join('\n'),
    },
    {
      id: 'config-file',
      title: '~/.aws/config (credential_process — no copying next time)',
      hint: 'With the rolegate CLI installed and `rolegate login` done, the AWS CLI and SDKs fetch fresh credentials themselves.',
      text: [
        `[profile ${profile}]`,
        `credential_process = rolegate credential-process --account ${c.account.id} --role ${c.role.name}`,
      ].join('\n'),
    },
  ];
  const body = html`<p><a href="/portal">← All roles</a></p>
    <h1>CLI credentials for ${c.role.name} in ${c.account.alias} <span class="account-id">${c.account.id}</span></h1>
    <p class="expiry" data-expires-at="${expiration}">
      Valid until
      <time datetime="${expiration}">${expiration.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</time> (${formatDuration(c.durationSeconds)}
      session). <span data-countdown aria-live="off"></span>
    </p>
    ${
      c.notes.length > 0
        ? html`<ul class="notes">
            ${c.notes.map((n) => html`<li>${n}</li>`)}
          </ul>`
        : html``
    }
    <p class="warning">These are secrets: do not paste them into tickets or chat. Closing this page does not revoke them.</p>
    ${blocks.map((b) => codeBlock(b))}
    <p class="muted">Role ARN: <code>${c.role.arn}</code></p>`;
  return portalPage(`CLI credentials: ${c.role.name}`, viewer, body);
}

function codeBlock(b: { id: string; title: string; hint: string; text: string }): Raw {
  return html`<section class="code-block" aria-labelledby="${b.id}-h">
    <div class="code-head">
      <h2 id="${b.id}-h">${b.title}</h2>
      <button type="button" class="copy" data-copy="${b.id}" hidden>Copy</button>
    </div>
    <p class="muted">${b.hint}</p>
    <pre tabindex="0"><code id="${b.id}">${b.text}</code></pre>
  </section>`;
}

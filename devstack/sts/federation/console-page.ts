import { escapeXml as escapeHtml } from '../protocol/xml.js';
import type { ConsoleGrant } from './signin-tokens.js';

/** A stand-in for the AWS console: shows which role session the federation login established. */
export function renderConsolePage(grant: ConsoleGrant | undefined, now: number): string {
  const body = grant
    ? `<h1>Signed in to the devstack console</h1>
<dl>
  <dt>Account</dt><dd>${escapeHtml(grant.session.role.account.id)}${grant.session.role.account.alias ? ` (${escapeHtml(grant.session.role.account.alias)})` : ''}</dd>
  <dt>Role</dt><dd>${escapeHtml(grant.session.role.name)}</dd>
  <dt>Session</dt><dd>${escapeHtml(grant.session.assumedRoleArn)}</dd>
  ${grant.session.sourceIdentity ? `<dt>Source identity</dt><dd>${escapeHtml(grant.session.sourceIdentity)}</dd>` : ''}
  <dt>Console session ends in</dt><dd>${String(Math.max(0, Math.round((grant.expiresAt - now) / 60_000)))} minutes</dd>
</dl>`
    : '<h1>Not signed in</h1><p>Open a console sign-in URL from rolegate to sign in.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rolegate devstack console</title></head>
<body>
<p>This is the rolegate devstack's stand-in for the AWS Management Console. Nothing here is AWS.</p>
${body}
</body></html>
`;
}

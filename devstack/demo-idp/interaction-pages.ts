import { escapeXml as escapeHtml } from '../sts/protocol/xml.js';
import { DEMO_USERS } from './demo-users.js';

/**
 * The demo IdP's sign-in page: pick a person, no password. Plain HTML with no
 * inline script or style, so it passes a strict Content-Security-Policy.
 */
export function renderLoginPage(uid: string, clientName: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  const buttons = DEMO_USERS.map(
    (user) => `<li><form method="post" action="${escapeAttribute(action)}">
  <input type="hidden" name="user" value="${escapeAttribute(user.id)}">
  <button type="submit">Sign in as ${escapeHtml(user.name)}</button> <small>${escapeHtml(user.email)} — ${escapeHtml(user.description)}</small>
  <br><small>or</small> <button type="submit" name="factor" value="otp">with an MFA code</button>
  <button type="submit" name="factor" value="pwd">with a password only</button>
</form></li>`,
  ).join('\n');
  return page(
    'Sign in to the demo IdP',
    `<h1>Demo identity provider</h1>
<p>${escapeHtml(clientName)} asks you to sign in. This is the rolegate demo: there are no passwords, pick a person.
"With an MFA code" signs in with a second factor (<code>amr: ["pwd", "otp"]</code>), "with a password only" without one
(<code>amr: ["pwd"]</code>): what a step-up needs is then easy to show.</p>
<ul>
${buttons}
</ul>
<p><a href="/interaction/${encodeURIComponent(uid)}/abort">Cancel</a></p>`,
  );
}

/**
 * RP-initiated logout's question (OpenID Connect RP-Initiated Logout 1.0 §2):
 * sign out of the demo IdP too? `form` is oidc-provider's hidden form (its
 * CSRF token); the buttons submit it with or without `logout=yes`.
 */
export function renderLogoutPage(form: string, clientName: string): string {
  return page(
    'Sign out of the demo IdP',
    `<h1>Demo identity provider</h1>
<p>You signed out of ${escapeHtml(clientName)}. Sign out of the demo IdP too, so that the next sign-in can pick another person?</p>
${form}
<p><button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out of the demo IdP</button>
<button type="submit" form="op.logoutForm">Stay signed in at the demo IdP</button></p>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
${body}
</body></html>
`;
}

function escapeAttribute(value: string): string {
  return escapeHtml(value).replace(/"/g, '&quot;');
}

import { html } from '../html.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

export type PortalAction = 'console' | 'credentials';

/** The break-glass prompt: nothing is issued until a justification is given (it is audited). */
export function justificationPage(
  viewer: Viewer,
  input: { action: PortalAction; accountId: string; role: string; durationSeconds?: number; error?: string; justification?: string },
): string {
  const what = input.action === 'console' ? 'open the AWS console' : 'get CLI credentials';
  const body = html`<p><a href="/portal">← All roles</a></p>
    <section class="break-glass">
      <h1>⚠ Break-glass role: ${input.role}</h1>
      <p>
        <strong>${input.role}</strong> in account ${input.accountId} is for emergencies. Say why you need it to ${what}. Your justification
        is recorded in the audit trail and security is alerted.
      </p>
      ${input.error ? html`<p class="error" role="alert" id="justification-error">${input.error}</p>` : html``}
      <form method="post" action="/portal/${input.action}">
        ${csrfField(viewer)}
        <input type="hidden" name="accountId" value="${input.accountId}" />
        <input type="hidden" name="role" value="${input.role}" />
        ${input.durationSeconds === undefined ? html`` : html`<input type="hidden" name="durationSeconds" value="${input.durationSeconds}" />`}
        <label for="justification">Justification (10–500 characters, e.g. the incident ticket)</label>
        <textarea
          id="justification"
          name="justification"
          required
          minlength="10"
          maxlength="500"
          rows="4"
          ${input.error ? html`aria-describedby="justification-error"` : html``}
        >
${input.justification ?? ''}</textarea>
        <button type="submit">${input.action === 'console' ? 'Justify and open the console' : 'Justify and get CLI credentials'}</button>
      </form>
    </section>`;
  return portalPage('Break-glass justification', viewer, body);
}

/**
 * Hands the browser the console sign-in URL. A page that navigates on rather
 * than a redirect: browsers apply the CSP's form-action 'self' to redirects
 * after a form POST, which would block the hop to the sign-in endpoint.
 * Sent with no-store; the URL is single-use and expires in 15 minutes.
 */
export function consoleRedirectPage(input: { url: string; role: string; alias: string; notes: string[] }): string {
  return `<!DOCTYPE html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="referrer" content="no-referrer" />
        <meta http-equiv="refresh" content="0;url=${input.url}" />
        <title>Opening the AWS console · rolegate</title>
        <link rel="stylesheet" href="/static/portal.css" />
      </head>
      <body>
        <main id="main">
          <h1>Opening the AWS console as ${input.role} in ${input.alias}…</h1>
          ${input.notes.map((n) => html`<p class="notes">${n}</p>`)}
          <p><a href="${input.url}" rel="noreferrer">Continue to the console</a> if nothing happens.</p>
        </main>
      </body>
    </html>`.value
  }\n`;
}

/** A friendly page for HTML requests when a dependency is down (instead of JSON). */
export function degradedPage(input: { viewer?: Viewer; detail: string; requestId: string; status: number; title: string }): string {
  const unavailable = input.status === 503;
  const body = html`<h1>${unavailable ? 'rolegate is having trouble right now' : input.title}</h1>
    <p>${input.detail}</p>
    ${
      unavailable
        ? html`<p>Your sign-in is kept. <a href="/portal">Try again</a> in a moment.</p>`
        : html`<p><a href="/portal">Back to your roles</a></p>`
    }
    <p class="muted"><small>Request id: ${input.requestId}</small></p>`;
  return portalPage(unavailable ? 'Temporarily unavailable' : input.title, input.viewer, body);
}

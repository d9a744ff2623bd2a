import type { CliSessionSummary } from '../../../contracts/cli-auth.js';
import { html } from '../html.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

/** `2026-12-02 05:01 UTC` in a <time> element (the server renders it; no script needed). */
function when(iso: string) {
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/**
 * The signed-in user's CLI sessions (`rolegate login` grants), each with a
 * Revoke button, and "Sign out everywhere" (every browser and every CLI
 * session). Signing out of the portal alone leaves CLI sessions running.
 */
export function cliSessionsPage(viewer: Viewer, input: { sessions: CliSessionSummary[]; revoked: boolean }): string {
  const { sessions } = input;
  const body = html`<h1>Your CLI sessions</h1>
    ${input.revoked ? html`<p role="status" class="notes">Revoked the CLI session: its tokens no longer work.</p>` : html``}
    <p>
      Each <code>rolegate login</code> is a CLI session. It refreshes itself until it ends on its own; revoke it here when you lose a
      machine or no longer use it. Signing out of the portal does not end CLI sessions.
    </p>
    ${
      sessions.length === 0
        ? html`<p class="empty">You have no active CLI session.</p>`
        : html`<table class="cli-sessions">
            <caption class="sr-only">
              Active CLI sessions, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Machine</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last used</th>
                <th scope="col">Ends</th>
                <th scope="col"><span class="sr-only">Revoke</span></th>
              </tr>
            </thead>
            <tbody>
              ${sessions.map(
                (s) =>
                  html`<tr>
                    <th scope="row">
                      ${s.deviceName}
                      <span class="muted">(${s.clientName}, ${s.flow === 'device' ? 'device code' : 'browser'})</span>
                    </th>
                    <td>${when(s.createdAt)}</td>
                    <td>${when(s.lastUsedAt)}</td>
                    <td>${when(s.expiresAt)}</td>
                    <td>
                      <form method="post" action="/portal/cli-sessions/revoke">
                        ${csrfField(viewer)}
                        <input type="hidden" name="id" value="${s.id}" />
                        <button type="submit" aria-label="Revoke the CLI session of ${s.deviceName} (signed in ${s.createdAt})">
                          Revoke
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <section class="everywhere" aria-labelledby="everywhere-h">
      <h2 id="everywhere-h">Sign out everywhere</h2>
      <p>Ends every rolegate session of yours: this browser, every other browser, and every CLI session above.</p>
      <form method="post" action="/auth/logout">
        ${csrfField(viewer)}
        <input type="hidden" name="everywhere" value="1" />
        <button type="submit" class="danger">Sign out everywhere</button>
      </form>
    </section>`;
  return portalPage('CLI sessions', viewer, body);
}

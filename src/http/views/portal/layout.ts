import type { Principal } from '../../../domain/principal.js';
import { html, type Raw } from '../html.js';

export interface Viewer {
  principal: Principal;
  csrfToken: string;
}

/**
 * A portal page: the "who am I" header, then the content. One stylesheet and
 * one script, both served by rolegate: the CSP allows nothing inline. The
 * page works without the script (search by form, no copy buttons).
 */
export function portalPage(title: string, viewer: Viewer | undefined, body: Raw): string {
  const header = viewer
    ? html`<header class="topbar">
        <a class="brand" href="/portal">rolegate</a>
        <span class="whoami" title="${groupsTitle(viewer.principal.groups)}" tabindex="0"
          >Signed in as <strong>${viewer.principal.displayName ?? viewer.principal.username}</strong>
          <span class="muted">(${viewer.principal.username} via ${viewer.principal.idp})</span>
          <span class="sr-only">${groupsTitle(viewer.principal.groups)}</span></span
        >
        <nav aria-label="Portal">
          <a href="/portal/requests">My requests</a> <a href="/portal/approvals">Approvals</a> <a href="/portal/reviews">Reviews</a>
          <a href="/portal/cli-sessions">CLI sessions</a>
        </nav>
        <form method="post" action="/auth/logout" class="signout">
          <input type="hidden" name="_csrf" value="${viewer.csrfToken}" /><button type="submit">Sign out</button>
        </form>
      </header>`
    : html`<header class="topbar"><a class="brand" href="/portal">rolegate</a></header>`;
  return `<!DOCTYPE html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · rolegate</title>
        <link rel="stylesheet" href="/static/portal.css" />
        <script src="/static/portal.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header}
        <main id="main">${body}</main>
      </body>
    </html>`.value
  }\n`;
}

function groupsTitle(groups: readonly string[]): string {
  return groups.length === 0 ? 'Groups: none' : `Groups: ${groups.join(', ')}`;
}

/** Hidden form fields every state-changing portal form carries. */
export function csrfField(viewer: Viewer): Raw {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}" />`;
}

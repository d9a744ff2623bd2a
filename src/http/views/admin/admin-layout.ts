import { html, page, type Raw } from '../html.js';

/** An admin page: a navigation between the admin pages, then the content. Markup only (the shared stylesheet styles it). */
export function adminPage(
  title: string,
  current: 'mappings' | 'access' | 'audit' | 'access-requests' | 'reviews' | 'revocations',
  body: Raw,
): string {
  const link = (href: string, label: string, name: typeof current) =>
    name === current ? html`<a href="${href}" aria-current="page">${label}</a>` : html`<a href="${href}">${label}</a>`;
  return page(
    title,
    html`<header>
        <p><a href="/">rolegate</a> · Administration</p>
        <nav aria-label="Administration">
          <ul>
            <li>${link('/admin/mappings', 'Mappings by group', 'mappings')}</li>
            <li><a href="/admin/mappings?by=role">Mappings by role</a></li>
            <li>${link('/admin/access', 'Edit access', 'access')}</li>
            <li>${link('/admin/audit', 'Audit log', 'audit')}</li>
            <li>${link('/admin/access-requests', 'Access requests', 'access-requests')}</li>
            <li>${link('/admin/reviews', 'Access reviews', 'reviews')}</li>
            <li>${link('/admin/revocations', 'Revocations', 'revocations')}</li>
          </ul>
        </nav>
      </header>
      <h1>${title}</h1>
      ${body}`,
  );
}

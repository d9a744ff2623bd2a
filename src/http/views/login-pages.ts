import type { IdentityProvider } from '../../domain/identity-provider.js';
import type { LoginSession } from '../../features/sessions/session-store.js';
import { html, page } from './html.js';

export function loginChooserPage(input: {
  /** `unavailable`: configured, but it cannot be reached right now (shown, not offered). */
  providers: (Pick<IdentityProvider, 'slug' | 'kind' | 'displayName'> & { unavailable?: boolean })[];
  returnTo: string;
  session?: LoginSession;
  loggedOut: boolean;
  /** The session cookie named a session that has ended: say so, and come back to returnTo after sign-in. */
  expired?: boolean;
}): string {
  const returnTo = input.returnTo === '/' ? '' : `?returnTo=${encodeURIComponent(input.returnTo)}`;
  const items = input.providers.map((idp) =>
    idp.unavailable
      ? html`<li class="unavailable">
          <span class="button" aria-disabled="true">Sign in with ${idp.displayName}</span>
          <small>Temporarily unavailable: rolegate cannot reach this identity provider right now and keeps trying.</small>
        </li>`
      : html`<li>
          <a class="button" href="/auth/${idp.kind}/${encodeURIComponent(idp.slug)}/login${returnTo}">Sign in with ${idp.displayName}</a>
        </li>`,
  );
  const session = input.session;
  const signedIn = session
    ? html`<section>
        <h2>Signed in</h2>
        <p>You are signed in as <strong>${session.principal.username}</strong> via ${session.idp}.</p>
        ${
          session.principal.groups.length === 0
            ? html`<p>
                Your identity provider sent no groups, so you have no AWS roles. Ask your administrator to add you to a group that rolegate
                maps to a role.
              </p>`
            : html`<p>Your groups: ${session.principal.groups.join(', ')}</p>`
        }
        <form method="post" action="/auth/logout">
          <input type="hidden" name="_csrf" value="${session.csrfToken}" /><button type="submit">Sign out</button>
        </form>
        <form method="post" action="/auth/logout">
          <input type="hidden" name="_csrf" value="${session.csrfToken}" /><input type="hidden" name="everywhere" value="1" />
          <button type="submit">Sign out everywhere</button> (every browser and every rolegate CLI session)
        </form>
      </section>`
    : html``;
  const body = html`<h1>Sign in to rolegate</h1>
    ${input.loggedOut ? html`<p>You have signed out.</p>` : html``}${
      input.expired ? html`<p role="status">Your session has expired. Sign in again to continue where you were.</p>` : html``
    }${signedIn}${
      items.length > 0
        ? html`<ul class="idps">
            ${items}
          </ul>`
        : html`<p>No identity provider is configured. An administrator must add one (see docs/authentication.md).</p>`
    }`;
  return page('Sign in', body);
}

/** After a SAML POST (cross-site), a same-site navigation so the SameSite=Lax session cookie is sent. */
export function continuePage(returnTo: string): string {
  return page(
    'Signed in',
    html`<h1>Signed in</h1>
      <p><a href="${returnTo}">Continue</a></p>`,
    html`<meta http-equiv="refresh" content="0;url=${returnTo}" />`,
  );
}

/**
 * On to the only IdP's sign-in by navigation, not by a redirect (see
 * loginPageRoute: a redirect that ends a form submission may not leave the origin).
 */
export function signInHandOffPage(input: { url: string; idpDisplayName: string; expired: boolean }): string {
  return page(
    'Signing in',
    html`<h1>${input.expired ? 'Your session has expired' : 'Signing in'}</h1>
      <p role="status">Signing you in with ${input.idpDisplayName}…</p>
      <p><a href="${input.url}">Continue to ${input.idpDisplayName}</a> if nothing happens.</p>`,
    html`<meta http-equiv="refresh" content="0;url=${input.url}" />`,
  );
}

/** The step-up sign-in's hop to the IdP by navigation (a redirect at the tail of a form POST is blocked by form-action). */
export function stepUpHandOffPage(url: string): string {
  return page(
    'Signing in again',
    html`<h1>Signing in again</h1>
      <p role="status">This needs a recent sign-in with a second factor: on to your identity provider…</p>
      <p><a href="${url}">Continue</a> if nothing happens.</p>`,
    html`<meta http-equiv="refresh" content="0;url=${url}" />`,
  );
}

/** After logout: on to the IdP's logout (or the sign-in page) by navigation, not by a redirect of the form POST. */
export function signedOutPage(next: string): string {
  return page(
    'Signed out',
    html`<h1>You have signed out of rolegate</h1>
      <p><a href="${next}">Continue</a></p>`,
    html`<meta http-equiv="refresh" content="0;url=${next}" />`,
  );
}

export function confirmIdpInitiatedPage(input: { slug: string; username: string; idpDisplayName: string }): string {
  return page(
    'Confirm sign-in',
    html`<h1>Continue signing in?</h1>
      <p>
        ${input.idpDisplayName} is signing you in to rolegate as <strong>${input.username}</strong>. If you did not just choose rolegate in
        your company portal, close this page.
      </p>
      <form method="post" action="/auth/saml/${encodeURIComponent(input.slug)}/continue">
        <button type="submit">Continue as ${input.username}</button>
      </form>`,
  );
}

export function errorPage(input: { status: number; title: string; detail: string; requestId: string }): string {
  return page(
    input.title,
    html`<h1>${input.title}</h1>
      <p>${input.detail}</p>
      <p><a href="/login">Back to sign-in</a></p>
      <p><small>Request id: ${input.requestId}</small></p>`,
  );
}

/** The IdP answered our SAML LogoutRequest with anything but Success: rolegate's session is gone, the IdP's may not be. */
export function idpSessionKeptPage(input: { idpDisplayName: string; status: string }): string {
  return page(
    'Signed out of rolegate',
    html`<h1>You have signed out of rolegate</h1>
      <p>
        ${input.idpDisplayName} could not confirm that it ended your session there (status ${input.status}). Close the browser to end it, or
        sign out at ${input.idpDisplayName}.
      </p>
      <p><a href="/login?loggedOut=1">Back to sign-in</a></p>`,
  );
}

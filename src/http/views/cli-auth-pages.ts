import type { DeviceReview } from '../../features/cli-auth/device-flow.js';
import { html, page, type Raw } from './html.js';

const when = (ms: number) => new Date(ms).toUTCString();

/** At most `max` characters of a value someone else chose (a User-Agent, a forwarded address), marked when cut. */
const shortened = (value: string, max: number) => (value.length > max ? `${value.slice(0, max)}…` : value);

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${String(seconds)} second${seconds === 1 ? '' : 's'} ago`;
  return `${String(Math.round(seconds / 60))} minutes ago`;
}

/** The consent page of the loopback flow: never skipped, so a page the user visits cannot mint CLI tokens silently. */
export function consentPage(input: {
  username: string;
  clientName: string;
  redirectPort: string;
  grantEndsAt: number;
  consentId: string;
  csrfToken: string;
}): string {
  return page(
    'Allow the rolegate CLI?',
    html`<h1>Allow the rolegate CLI on this machine to get AWS credentials as ${input.username}?</h1>
      <p>
        ${input.clientName} is asking to act as <strong>${input.username}</strong>: to list your roles and get AWS credentials for every
        role you are entitled to, until <strong>${when(input.grantEndsAt)}</strong> (the end of your sign-in), unless you revoke it sooner.
      </p>
      <p>
        Approve only if you just ran <code>rolegate login</code> on this computer. The answer goes to a program listening on this computer
        (port ${input.redirectPort}).
      </p>
      <form method="post" action="/oauth/authorize/decision">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <input type="hidden" name="consent" value="${input.consentId}" />
        <button type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>`,
  );
}

/** After the consent answer: on to the CLI's loopback listener by navigation (a redirect after a form POST would break CSP form-action). */
export function continueToCliPage(redirectUrl: string, approved: boolean): string {
  return page(
    approved ? 'Signed in' : 'Denied',
    html`<h1>${approved ? 'Returning to the rolegate CLI…' : 'You denied the request'}</h1>
      <p><a href="${redirectUrl}">Continue</a></p>`,
    html`<meta http-equiv="refresh" content="0;url=${redirectUrl}" />`,
  );
}

/** Where a user types the code their terminal shows (RFC 8628 §3.3). */
export function deviceEntryPage(input: { username: string; error?: string; typed?: string }): string {
  return page(
    'Connect a device',
    html`<h1>Connect the rolegate CLI</h1>
      <p>Signed in as <strong>${input.username}</strong>. Type the code that <code>rolegate login</code> shows in your terminal.</p>
      ${input.error ? html`<p role="alert"><strong>${input.error}</strong></p>` : html``}
      <form method="get" action="/device">
        <label
          >Code
          <input
            name="user_code"
            value="${input.typed ?? ''}"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck="false"
            placeholder="XXXX-XXXX"
        /></label>
        <button type="submit">Continue</button>
      </form>`,
  );
}

/**
 * What is being approved, stated plainly (RFC 8628 §5.4: the user must be able to tell a phishing
 * attempt): besides the name the client chose for itself, where the request came from, with what
 * program, and when, and a visible warning when that address is not the browser's.
 */
export function deviceConfirmPage(input: {
  username: string;
  userCode: string;
  clientName: string;
  deviceName: string;
  grantEndsAt: number;
  csrfToken: string;
  review: DeviceReview;
  now: number;
}): string {
  const { requester, approver } = input.review;
  const requesterIp = requester.sourceIp === undefined ? undefined : shortened(requester.sourceIp, 64);
  const approverIp = approver.sourceIp === undefined ? undefined : shortened(approver.sourceIp, 64);
  return page(
    'Confirm the code',
    html`<h1>Allow the rolegate CLI on the machine that shows ${input.userCode}?</h1>
      ${input.review.sameAddress === false ? differentAddressWarning(requesterIp ?? '', approverIp ?? '') : html``}
      <p>
        Check that <strong>${input.userCode}</strong> is exactly the code in your own terminal. If someone sent you this link or code, deny
        it.
      </p>
      <dl>
        <dt>Application</dt>
        <dd>${input.clientName}</dd>
        <dt>Machine (as it calls itself)</dt>
        <dd>${input.deviceName}</dd>
        <dt>Requested from</dt>
        <dd>
          ${requesterIp === undefined ? html`an address rolegate did not record` : html`<code>${requesterIp}</code>`}${
            approverIp === undefined ? html`` : html` (your browser: <code>${approverIp}</code>)`
          }
        </dd>
        <dt>Requested by the program</dt>
        <dd>${requester.userAgent === undefined ? html`not stated` : html`<code>${shortened(requester.userAgent, 200)}</code>`}</dd>
        <dt>Requested</dt>
        <dd>${ago(input.now - input.review.requestedAt)} (${when(input.review.requestedAt)})</dd>
        <dt>Acts as</dt>
        <dd>${input.username}: lists your roles and gets AWS credentials for every role you are entitled to</dd>
        <dt>Until</dt>
        <dd>${when(input.grantEndsAt)} (the end of your sign-in), unless revoked sooner</dd>
      </dl>
      <form method="post" action="/device">
        <input type="hidden" name="_csrf" value="${input.csrfToken}" />
        <input type="hidden" name="user_code" value="${input.userCode}" />
        <button type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>`,
  );
}

function differentAddressWarning(requesterIp: string, approverIp: string): Raw {
  return html`<p class="warning" role="alert" id="device-address-warning">
    <strong>This code was requested from another network address (${requesterIp}) than the one your browser uses (${approverIp}).</strong>
    That is expected only if you ran <code>rolegate login</code> yourself on another machine, such as a server you are connected to.
    Otherwise someone is trying to get their machine signed in as you: deny.
  </p>`;
}

export function deviceDonePage(approved: boolean, deviceName: string): string {
  return page(
    approved ? 'Device connected' : 'Request denied',
    approved
      ? html`<h1>Done</h1>
          <p>The rolegate CLI on ${deviceName} is signed in. Return to your terminal.</p>`
      : html`<h1>Request denied</h1>
          <p>The rolegate CLI on ${deviceName} was not signed in.</p>`,
  );
}

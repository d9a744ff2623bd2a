import type { AccountRoles, EntitledRole } from '../../../contracts/roles.js';
import { html } from '../html.js';
import { formatDuration } from './durations.js';
import { csrfField, portalPage, type Viewer } from './layout.js';

/**
 * After a sign-in that interrupted a Console or CLI credentials click: the
 * same action, one click away. Never done on arrival — a GET that issued
 * credentials could be triggered by any link.
 */
export function continuePage(
  viewer: Viewer,
  input: { action: 'console' | 'credentials'; account: AccountRoles; role: EntitledRole; durationSeconds: number },
): string {
  const { account, role, action } = input;
  const what = action === 'console' ? 'Open the AWS console' : 'Get CLI credentials';
  const body = html`<h1>Continue where you were</h1>
    <p role="status">You are signed in again.</p>
    <p>
      You were about to ${action === 'console' ? 'open the AWS console' : 'get CLI credentials'} as <strong>${role.name}</strong> in
      ${account.alias} (${account.id}) for ${formatDuration(input.durationSeconds)}.
    </p>
    <form method="post" action="/portal/${action}" class="continue">
      ${csrfField(viewer)}
      <input type="hidden" name="accountId" value="${account.id}" />
      <input type="hidden" name="role" value="${role.name}" />
      <input type="hidden" name="durationSeconds" value="${input.durationSeconds}" />
      <button type="submit">${what} as ${role.name}</button>
    </form>
    <p><a href="/portal">← All roles</a></p>`;
  return portalPage('Continue', viewer, body);
}

/** The role asked for is not (or no longer) one of the viewer's: nothing to continue. */
export function nothingToContinuePage(viewer: Viewer, input: { accountId: string; role: string }): string {
  const body = html`<h1>Continue where you were</h1>
    <p role="status">You are signed in again, but you have no role ${input.role} in account ${input.accountId} now.</p>
    <p><a href="/portal">See your roles</a></p>`;
  return portalPage('Continue', viewer, body);
}

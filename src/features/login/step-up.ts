import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';

/**
 * A step-up: the signed-in user signs in again, freshly and with a second
 * factor, at the IdP of their session (OIDC `prompt=login` + `max_age=0`,
 * SAML `ForceAuthn`), so an action that needs a recent strong sign-in
 * (approving a request, a role whose mapping sets `mfaMaxAgeSeconds`) can go
 * on. Kept with the login transaction: whose session asked for it.
 */
export interface StepUpRequest {
  /** The principal of the session that started the step-up: the sign-in must be the same user. */
  principalId: string;
}

/**
 * How far the IdP's clock may be behind ours when it says when the user
 * authenticated. An `auth_time` (or AuthnInstant) older than the step-up's
 * start by more than this is a reused IdP session, not a fresh sign-in.
 */
export const STEP_UP_CLOCK_SKEW_MS = 30_000;

/**
 * Checks a step-up sign-in before it may replace the session's principal:
 * the same user (idp and subject) as the session that asked, authenticated
 * at the IdP after the step-up began (`authenticatedAt`, as the IdP said it:
 * undefined when it did not say), and with a second factor. Throws
 * `forbidden` with the reason; the session that asked is left as it was.
 */
export function checkStepUp(stepUp: StepUpRequest, principal: Principal, authenticatedAt: number | undefined, startedAt: number): void {
  if (principal.id !== stepUp.principalId) {
    throw new RolegateError('forbidden', {
      detail: `The step-up sign-in was by another user (${principal.id}), not the signed-in one: this session is unchanged; sign out first to switch users`,
      extras: { reason: 'step_up_other_user' },
    });
  }
  if (authenticatedAt === undefined) {
    throw new RolegateError('forbidden', {
      detail: 'The IdP did not say when the user authenticated (auth_time / AuthnInstant): a step-up needs a fresh sign-in it can show',
      extras: { reason: 'step_up_not_fresh' },
    });
  }
  if (authenticatedAt < startedAt - STEP_UP_CLOCK_SKEW_MS) {
    throw new RolegateError('forbidden', {
      detail: `The IdP reused an earlier sign-in (authenticated at ${new Date(authenticatedAt).toISOString()}, before the step-up began) instead of asking again`,
      extras: { reason: 'step_up_not_fresh' },
    });
  }
  if (!principal.authn.mfa) {
    throw new RolegateError('forbidden', {
      detail: 'The step-up sign-in showed no second factor (amr / AuthnContextClassRef): sign in again with MFA',
      extras: { reason: 'step_up_without_mfa' },
    });
  }
}

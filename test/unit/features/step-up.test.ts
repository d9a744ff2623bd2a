import { describe, expect, it } from 'vitest';
import { checkStepUp, STEP_UP_CLOCK_SKEW_MS } from '../../../src/features/login/step-up.js';
import { principal } from '../../fixtures/access-model.js';

describe('checkStepUp', () => {
  const who = principal({ mfa: true });
  const startedAt = who.authn.authenticatedAt;
  const refusal = (run: () => void) => {
    try {
      run();
    } catch (error) {
      return error as { code: string; extras: { reason: string } };
    }
    return undefined;
  };

  it('when the same user signed in again after the step-up began, with MFA, then it passes', () => {
    expect(refusal(() => checkStepUp({ principalId: who.id }, who, startedAt + 5000, startedAt))).toBeUndefined();
    // The IdP's clock may lag ours a little.
    expect(refusal(() => checkStepUp({ principalId: who.id }, who, startedAt - STEP_UP_CLOCK_SKEW_MS, startedAt))).toBeUndefined();
  });

  it.each([
    ['another user', { principalId: 'demo:someone-else' }, startedAt + 1000, who, 'step_up_other_user'],
    [
      'an IdP that reused an older sign-in (ignored prompt=login)',
      { principalId: who.id },
      startedAt - STEP_UP_CLOCK_SKEW_MS - 1,
      who,
      'step_up_not_fresh',
    ],
    ['an IdP that did not say when (no auth_time)', { principalId: who.id }, undefined, who, 'step_up_not_fresh'],
    ['a sign-in without a second factor', { principalId: who.id }, startedAt + 1000, principal({ mfa: false }), 'step_up_without_mfa'],
  ])('when it is %s, then forbidden with the reason', (_name, stepUp, authTime, signedIn, reason) => {
    expect(refusal(() => checkStepUp(stepUp, signedIn, authTime, startedAt))).toMatchObject({ code: 'forbidden', extras: { reason } });
  });
});

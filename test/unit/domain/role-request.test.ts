import { describe, expect, it } from 'vitest';
import { entitlementsFor } from '../../../src/domain/entitlements.js';
import { checkRoleRequest, roleRequestError } from '../../../src/domain/role-request.js';
import { account, mapping, principal, role } from '../../fixtures/access-model.js';

const dev = account();
const prod = account({ id: '444455556666', alias: 'prod' });
const developer = role({ name: 'Developer' });
const admin = role({ accountId: prod.id, name: 'Admin' });
const audit = role({ accountId: prod.id, name: 'Auditor' });
const mfaRole = role({ name: 'Deployer' });
const broken = role({ name: 'Broken', providerArn: undefined });
const catalog = { accounts: [dev, prod], roles: [developer, admin, audit, mfaRole, broken] };
const entitlements = entitlementsFor({
  principal: principal({ groups: ['aws-dev', 'sre'] }),
  sourceIp: '10.0.0.1',
  ...catalog,
  mappings: [
    mapping(developer.id, 'aws-dev'),
    mapping(admin.id, 'sre', { breakGlass: true }),
    mapping(mfaRole.id, 'aws-dev', { requireMfa: true }),
    mapping(broken.id, 'aws-dev'),
  ],
  now: Date.now(),
});

describe('checkRoleRequest', () => {
  it.each([
    ['dev', 'Developer'],
    ['111122223333', 'Developer'],
    ['dev', 'developer'],
    ['dev', 'arn:aws:iam::111122223333:role/Developer'],
  ])('when %s / %s is requested, then the entitlement is returned', (accountRef, roleRef) => {
    const result = checkRoleRequest(entitlements, catalog, { account: accountRef, role: roleRef });
    expect(result.ok && result.entitlement.role).toEqual(developer);
  });

  it('when the account does not exist, then unknown_account', () => {
    expect(checkRoleRequest(entitlements, catalog, { account: 'staging', role: 'Developer' })).toEqual({
      ok: false,
      reason: 'unknown_account',
      detail: 'There is no AWS account "staging"',
    });
  });

  it('when the role does not exist in that account, then unknown_role (a role of another account does not count)', () => {
    const result = checkRoleRequest(entitlements, catalog, { account: 'prod', role: 'Developer' });
    expect(result).toMatchObject({
      ok: false,
      reason: 'unknown_role',
      detail: 'There is no role "Developer" in account prod (444455556666)',
    });
  });

  it('when the role exists but no group maps to it, then not_entitled', () => {
    expect(checkRoleRequest(entitlements, catalog, { account: 'prod', role: 'Auditor' })).toMatchObject({
      ok: false,
      reason: 'not_entitled',
      detail: 'Your groups do not entitle you to Auditor in prod',
    });
  });

  it('when a condition fails, then condition_failed says which', () => {
    const result = checkRoleRequest(entitlements, catalog, { account: 'dev', role: 'Deployer' });
    expect(result).toMatchObject({ ok: false, reason: 'condition_failed' });
    expect(!result.ok && result.detail).toBe(
      'You may not use Deployer in dev now: this role requires signing in with a second factor (MFA)',
    );
  });

  it('when the role is misconfigured, then role_misconfigured says why', () => {
    const result = checkRoleRequest(entitlements, catalog, { account: 'dev', role: 'Broken' });
    expect(result).toMatchObject({ ok: false, reason: 'role_misconfigured' });
    expect(!result.ok && result.detail).toMatch(/names no SAML provider ARN/);
  });

  it.each([undefined, '', 'because', ' '.repeat(20), 'x'.repeat(501), 'fixing prod\nforged log line', 'fix\u202eprod outage now'])(
    'when a break-glass role is requested with the justification %j, then a justification is required',
    (justification) => {
      const result = checkRoleRequest(entitlements, catalog, {
        account: 'prod',
        role: 'Admin',
        ...(justification === undefined ? {} : { justification }),
      });
      expect(result).toMatchObject({ ok: false, reason: 'justification_required' });
    },
  );

  it('when a break-glass role is requested with a proper justification, then it is granted with the trimmed justification', () => {
    const result = checkRoleRequest(entitlements, catalog, {
      account: 'prod',
      role: 'Admin',
      justification: '  INC-4711: prod database down  ',
    });
    expect(result).toMatchObject({ ok: true, justification: 'INC-4711: prod database down' });
    expect(result.ok && result.entitlement.breakGlass).toBe(true);
  });
});

describe('roleRequestError', () => {
  const refusal = (request: { account: string; role: string; justification?: string }) => {
    const result = checkRoleRequest(entitlements, catalog, request);
    if (result.ok) throw new Error('expected a refusal');
    return roleRequestError(result);
  };

  it('when the account or role does not exist, then not_found names which', () => {
    expect(refusal({ account: 'nope', role: 'Developer' })).toMatchObject({
      code: 'not_found',
      status: 404,
      extras: { reason: 'unknown_account' },
    });
    expect(refusal({ account: 'dev', role: 'Nope' })).toMatchObject({ code: 'not_found', extras: { reason: 'unknown_role' } });
  });

  it('when a condition failed, then role_not_entitled lists the failed conditions', () => {
    expect(refusal({ account: 'dev', role: 'Deployer' })).toMatchObject({
      code: 'role_not_entitled',
      status: 403,
      extras: { reason: 'condition_failed', conditions: ['mfa_required'] },
    });
  });

  it('when the role is not entitled or misconfigured, then role_not_entitled with the reason', () => {
    expect(refusal({ account: 'prod', role: 'Auditor' })).toMatchObject({ code: 'role_not_entitled', extras: { reason: 'not_entitled' } });
    expect(refusal({ account: 'dev', role: 'Broken' })).toMatchObject({
      code: 'role_not_entitled',
      extras: { reason: 'role_misconfigured' },
    });
  });

  it('when only the break-glass justification is missing, then invalid_request says how long it must be', () => {
    expect(refusal({ account: 'prod', role: 'Admin' })).toMatchObject({
      code: 'invalid_request',
      status: 400,
      extras: { reason: 'justification_required', breakGlass: true, justification: { minLength: 10, maxLength: 500 } },
    });
  });
});

describe('roleRequestError when only the MFA sign-in is too old', () => {
  it('then step_up_required tells where to sign in again, with the failed condition', () => {
    const who = principal({ groups: ['aws-dev'], mfa: true });
    const fresh = entitlementsFor({
      principal: who,
      sourceIp: '10.0.0.1',
      ...catalog,
      mappings: [mapping(mfaRole.id, 'aws-dev', { requireMfa: true, mfaMaxAgeSeconds: 600 })],
      now: who.authn.authenticatedAt + 599_000,
    });
    expect(checkRoleRequest(fresh, catalog, { account: 'dev', role: 'Deployer' }).ok).toBe(true);
    const stale = entitlementsFor({
      principal: who,
      sourceIp: '10.0.0.1',
      ...catalog,
      mappings: [mapping(mfaRole.id, 'aws-dev', { requireMfa: true, mfaMaxAgeSeconds: 600 })],
      now: who.authn.authenticatedAt + 601_000,
    });
    const result = checkRoleRequest(stale, catalog, { account: 'dev', role: 'Deployer' });
    if (result.ok) throw new Error('expected a refusal');
    expect(roleRequestError(result)).toMatchObject({
      code: 'step_up_required',
      status: 403,
      extras: { reason: 'condition_failed', conditions: ['mfa_stale'], stepUpUrl: '/login/step-up?returnTo=%2F' },
    });
  });
});

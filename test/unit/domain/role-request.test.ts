import { describe, expect, it } from 'vitest';
import { entitlementsFor } from '../../../src/domain/entitlements.js';
import { checkRoleRequest } from '../../../src/domain/role-request.js';
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

import { describe, expect, it } from 'vitest';
import type { AwsAccount, AwsRole, GroupMapping } from '../../../src/domain/access-model.js';
import { describeFailure, entitlementsFor, type EntitlementInput } from '../../../src/domain/entitlements.js';
import type { Principal } from '../../../src/domain/principal.js';
import { account, mapping, principal, role } from '../../fixtures/access-model.js';

const dev = account();
const prod = account({ id: '444455556666', alias: 'prod', region: 'us-east-1' });
const developer = role({ name: 'Developer', maxSessionSeconds: 14_400 });
const readOnly = role({ name: 'ReadOnly' });
const prodAdmin = role({ accountId: prod.id, name: 'Admin', maxSessionSeconds: 3600 });
const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

function decide(
  mappings: GroupMapping[],
  options: { who?: Principal; ip?: string; roles?: AwsRole[]; accounts?: AwsAccount[]; extra?: Partial<EntitlementInput> } = {},
) {
  return entitlementsFor({
    principal: options.who ?? principal(),
    sourceIp: options.ip ?? '10.1.2.3',
    accounts: options.accounts ?? [prod, dev],
    roles: options.roles ?? [prodAdmin, readOnly, developer],
    mappings,
    now: NOW,
    ...options.extra,
  });
}

describe('entitlementsFor: matching groups', () => {
  it('when no group of the user matches any mapping, then nothing is entitled or mentioned', () => {
    expect(decide([mapping(developer.id, 'aws-other')])).toEqual({ accounts: [] });
  });

  it('when a group matches exactly, then the role is entitled with its mapping and group', () => {
    const m = mapping(developer.id, 'aws-dev');
    const [bucket] = decide([m]).accounts;
    expect(bucket?.account).toEqual(dev);
    expect(bucket?.entitled).toEqual([
      {
        account: dev,
        role: developer,
        mappings: [m],
        groups: ['aws-dev'],
        maxSessionSeconds: 14_400,
        breakGlass: false,
        mfaRequired: false,
      },
    ]);
    expect(bucket?.denied).toEqual([]);
  });

  it('when the group differs only in case, then it does not match (exact is case-sensitive)', () => {
    expect(decide([mapping(developer.id, 'AWS-DEV')]).accounts).toEqual([]);
  });

  it('when a glob mapping matches one of several groups, then the matching group is reported', () => {
    const who = principal({ groups: ['staff', 'aws-team-data'] });
    const [bucket] = decide([mapping(developer.id, 'aws-team-*', { match: 'glob' })], { who }).accounts;
    expect(bucket?.entitled[0]?.groups).toEqual(['aws-team-data']);
  });

  it('when an exact mapping holds glob characters, then they are literal', () => {
    expect(decide([mapping(developer.id, 'aws-*')]).accounts).toEqual([]);
  });

  it('when roles span accounts, then accounts are ordered by alias and roles by name', () => {
    const who = principal({ groups: ['aws-dev', 'aws-prod'] });
    const result = decide([mapping(readOnly.id, 'aws-dev'), mapping(prodAdmin.id, 'aws-prod'), mapping(developer.id, 'aws-dev')], { who });
    expect(result.accounts.map((a) => a.account.alias)).toEqual(['dev', 'prod']);
    expect(result.accounts[0]?.entitled.map((e) => e.role.name)).toEqual(['Developer', 'ReadOnly']);
  });

  it('when a mapping names a role that does not exist, or a role whose account is unknown, then it is ignored', () => {
    const orphan = role({ accountId: '999999999999', name: 'Orphan' });
    const result = decide([mapping('no-such-role', 'aws-dev'), mapping(orphan.id, 'aws-dev')], { roles: [orphan, developer] });
    expect(result.accounts).toEqual([]);
  });
});

describe('entitlementsFor: several mappings for one role', () => {
  it('when two mappings pass, then the effective maximum is the most generous, capped by the role', () => {
    const who = principal({ groups: ['aws-dev', 'oncall'] });
    const short = mapping(developer.id, 'aws-dev', { maxSessionSeconds: 3600 });
    const long = mapping(developer.id, 'oncall', { maxSessionSeconds: 28_800 });
    const entitlement = decide([short, long], { who }).accounts[0]?.entitled[0];
    expect(entitlement?.maxSessionSeconds).toBe(14_400);
    expect(entitlement?.mappings).toEqual([short, long]);
    expect(entitlement?.groups).toEqual(['aws-dev', 'oncall']);
  });

  it('when a passing mapping has no cap, then the role maximum applies', () => {
    const who = principal({ groups: ['aws-dev', 'oncall'] });
    const entitlement = decide([mapping(developer.id, 'aws-dev', { maxSessionSeconds: 3600 }), mapping(developer.id, 'oncall')], { who })
      .accounts[0]?.entitled[0];
    expect(entitlement?.maxSessionSeconds).toBe(14_400);
  });

  it('when one mapping fails and another passes, then the role is entitled through the passing one only', () => {
    const who = principal({ groups: ['aws-dev', 'oncall'] });
    const failing = mapping(developer.id, 'oncall', { requireMfa: true, maxSessionSeconds: 14_400 });
    const passing = mapping(developer.id, 'aws-dev', { maxSessionSeconds: 3600 });
    const [bucket] = decide([failing, passing], { who }).accounts;
    expect(bucket?.entitled[0]?.mappings).toEqual([passing]);
    expect(bucket?.entitled[0]?.maxSessionSeconds).toBe(3600);
    expect(bucket?.denied).toEqual([]);
  });

  it('when every mapping requiring MFA passes, then mfaRequired is true; with one MFA-free mapping it is false', () => {
    const who = principal({ groups: ['aws-dev', 'oncall'], mfa: true });
    const mfaOnly = decide([mapping(developer.id, 'aws-dev', { requireMfa: true })], { who }).accounts[0]?.entitled[0];
    expect(mfaOnly?.mfaRequired).toBe(true);
    const mixed = decide([mapping(developer.id, 'aws-dev', { requireMfa: true }), mapping(developer.id, 'oncall')], { who }).accounts[0]
      ?.entitled[0];
    expect(mixed?.mfaRequired).toBe(false);
  });
});

describe('entitlementsFor: break-glass', () => {
  it('when only break-glass mappings pass, then the role is break-glass', () => {
    const entitlement = decide([mapping(prodAdmin.id, 'aws-dev', { breakGlass: true })]).accounts[0]?.entitled[0];
    expect(entitlement?.breakGlass).toBe(true);
  });

  it('when a normal mapping also passes, then the role is not break-glass and the break-glass mapping is not a winner', () => {
    const who = principal({ groups: ['aws-dev', 'sre'] });
    const glass = mapping(prodAdmin.id, 'sre', { breakGlass: true });
    const normal = mapping(prodAdmin.id, 'aws-dev', { maxSessionSeconds: 900 });
    const entitlement = decide([glass, normal], { who }).accounts[0]?.entitled[0];
    expect(entitlement?.breakGlass).toBe(false);
    expect(entitlement?.mappings).toEqual([normal]);
    expect(entitlement?.maxSessionSeconds).toBe(900);
  });

  it('when the normal mapping fails, then the passing break-glass mapping still grants the role, as break-glass', () => {
    const who = principal({ groups: ['aws-dev', 'sre'] });
    const entitlement = decide(
      [mapping(prodAdmin.id, 'aws-dev', { requireMfa: true }), mapping(prodAdmin.id, 'sre', { breakGlass: true })],
      { who },
    ).accounts[0]?.entitled[0];
    expect(entitlement?.breakGlass).toBe(true);
  });
});

describe('entitlementsFor: conditions', () => {
  it('when MFA is required and the sign-in had none, then the role is denied with mfa_required', () => {
    const m = mapping(developer.id, 'aws-dev', { requireMfa: true });
    const [bucket] = decide([m]).accounts;
    expect(bucket?.entitled).toEqual([]);
    expect(bucket?.denied).toEqual([
      { account: dev, role: developer, mappings: [{ mapping: m, group: 'aws-dev', failures: [{ condition: 'mfa_required' }] }] },
    ]);
  });

  it('when MFA is required and the sign-in had it, then the role is entitled', () => {
    const entitlement = decide([mapping(developer.id, 'aws-dev', { requireMfa: true })], { who: principal({ mfa: true }) }).accounts[0]
      ?.entitled[0];
    expect(entitlement?.mfaRequired).toBe(true);
  });

  it('when MFA must be fresh and the MFA sign-in is older than allowed, then mfa_stale', () => {
    const who = principal({ mfa: true });
    const m = mapping(developer.id, 'aws-dev', { requireMfa: true });
    const stale = decide([m], { who, extra: { mfaMaxAgeSeconds: 1800 } }).accounts[0]?.denied[0]?.mappings[0]?.failures;
    expect(stale).toEqual([{ condition: 'mfa_stale', authenticatedAt: who.authn.authenticatedAt, maxAgeSeconds: 1800 }]);
    const fresh = decide([m], { who, extra: { mfaMaxAgeSeconds: 3600 } }).accounts[0]?.entitled;
    expect(fresh).toHaveLength(1);
  });

  it('when the mapping is for another IdP, then idp_mismatch names both', () => {
    const failures = decide([mapping(developer.id, 'aws-dev', { idp: 'contractors' })]).accounts[0]?.denied[0]?.mappings[0]?.failures;
    expect(failures).toEqual([{ condition: 'idp_mismatch', requiredIdp: 'contractors', actualIdp: 'corp' }]);
  });

  it('when the mapping is for the user IdP or any IdP, then it applies', () => {
    expect(decide([mapping(developer.id, 'aws-dev', { idp: 'corp' })]).accounts[0]?.entitled).toHaveLength(1);
    expect(decide([mapping(developer.id, 'aws-dev')]).accounts[0]?.entitled).toHaveLength(1);
  });

  it.each([
    ['10.1.2.3', ['10.0.0.0/8']],
    ['10.1.2.3', ['192.0.2.0/24', '10.1.2.0/24']],
    ['::ffff:10.1.2.3', ['10.0.0.0/8']],
    ['2001:db8::5', ['2001:db8::/32']],
    ['2001:db8::5', ['10.0.0.0/8', '2001:db8::/64']],
  ])('when the source %s is inside %j, then the mapping passes', (ip, allowedCidrs) => {
    expect(decide([mapping(developer.id, 'aws-dev', { allowedCidrs })], { ip }).accounts[0]?.entitled).toHaveLength(1);
  });

  it('when the source is outside every allowed block, then source_ip_not_allowed names the address and the blocks', () => {
    const failures = decide([mapping(developer.id, 'aws-dev', { allowedCidrs: ['192.0.2.0/24', '2001:db8::/32'] })], { ip: '203.0.113.7' })
      .accounts[0]?.denied[0]?.mappings[0]?.failures;
    expect(failures).toEqual([
      { condition: 'source_ip_not_allowed', sourceIp: '203.0.113.7', allowedCidrs: ['192.0.2.0/24', '2001:db8::/32'] },
    ]);
  });

  it('when the source address is unknown or unparsable, then an allow-list refuses it', () => {
    for (const ip of [undefined, 'not-an-ip']) {
      const result = entitlementsFor({
        principal: principal(),
        sourceIp: ip,
        accounts: [dev],
        roles: [developer],
        mappings: [mapping(developer.id, 'aws-dev', { allowedCidrs: ['10.0.0.0/8'] })],
        now: NOW,
      });
      expect(result.accounts[0]?.denied[0]?.mappings[0]?.failures).toEqual([
        { condition: 'source_ip_not_allowed', sourceIp: null, allowedCidrs: ['10.0.0.0/8'] },
      ]);
    }
  });

  it('when an allow-list holds a malformed block, then the mapping fails closed as invalid_mapping', () => {
    const failures = decide([mapping(developer.id, 'aws-dev', { allowedCidrs: ['10.0.0.0/8', '10.0.0.1/8'] })]).accounts[0]?.denied[0]
      ?.mappings[0]?.failures;
    expect(failures).toEqual([{ condition: 'invalid_mapping', problems: ['"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)'] }]);
  });

  it('when a mapping fails several conditions, then each is listed', () => {
    const failures = decide([mapping(developer.id, 'aws-dev', { idp: 'other', requireMfa: true, allowedCidrs: ['192.0.2.0/24'] })])
      .accounts[0]?.denied[0]?.mappings[0]?.failures;
    expect(failures?.map((f) => f.condition)).toEqual(['idp_mismatch', 'mfa_required', 'source_ip_not_allowed']);
  });

  it('when every mapping of a role fails, then the denial lists each mapping with its own failures', () => {
    const who = principal({ groups: ['aws-dev', 'oncall'] });
    const a = mapping(developer.id, 'aws-dev', { requireMfa: true });
    const b = mapping(developer.id, 'oncall', { allowedCidrs: ['192.0.2.0/24'] });
    const denial = decide([a, b], { who }).accounts[0]?.denied[0];
    expect(denial?.mappings.map((m) => [m.mapping.id, m.group, m.failures.map((f) => f.condition)])).toEqual([
      [a.id, 'aws-dev', ['mfa_required']],
      [b.id, 'oncall', ['source_ip_not_allowed']],
    ]);
  });
});

describe('entitlementsFor: misconfigured roles', () => {
  it.each([
    ['a SAML role without a provider', { providerArn: undefined }, /names no SAML provider ARN/],
    ['a provider in another account', { providerArn: 'arn:aws:iam::999999999999:saml-provider/rolegate' }, /is in account 999999999999/],
    [
      'an OIDC provider on a SAML role',
      { providerArn: 'arn:aws:iam::111122223333:oidc-provider/rolegate.corp.example' },
      /is an OIDC provider/,
    ],
    [
      'an ARN in another account than its account',
      { arn: 'arn:aws:iam::999999999999:role/Developer', providerArn: 'arn:aws:iam::999999999999:saml-provider/x' },
      /is not in account 111122223333/,
    ],
    ['an ARN naming another role', { arn: 'arn:aws:iam::111122223333:role/Other' }, /is not named Developer/],
    [
      'an ARN of another partition than its account',
      { arn: 'arn:aws-cn:iam::111122223333:role/Developer', providerArn: 'arn:aws-cn:iam::111122223333:saml-provider/x' },
      /not in partition aws/,
    ],
  ])('when the role has %s, then it is denied as misconfigured even though a mapping passes', (_what, overrides, message) => {
    const broken = { ...developer, ...overrides };
    const [bucket] = decide([mapping(broken.id, 'aws-dev')], { roles: [broken] }).accounts;
    expect(bucket?.entitled).toEqual([]);
    expect(bucket?.denied[0]?.misconfigured).toMatch(message);
  });

  it('when an assume-role role has no provider, then it is fine', () => {
    const assume = { ...developer, exchangeMode: 'assume-role' as const, providerArn: undefined };
    expect(decide([mapping(assume.id, 'aws-dev')], { roles: [assume] }).accounts[0]?.entitled).toHaveLength(1);
  });
});

describe('describeFailure', () => {
  it('when failures are described, then each sentence says what to do or what failed', () => {
    expect(describeFailure({ condition: 'mfa_required' })).toMatch(/second factor/);
    expect(describeFailure({ condition: 'source_ip_not_allowed', sourceIp: '1.2.3.4', allowedCidrs: ['10.0.0.0/8'] })).toBe(
      'your address 1.2.3.4 is not in the allowed networks 10.0.0.0/8',
    );
    expect(describeFailure({ condition: 'source_ip_not_allowed', sourceIp: null, allowedCidrs: ['10.0.0.0/8'] })).toContain('(unknown)');
    expect(describeFailure({ condition: 'idp_mismatch', requiredIdp: 'a', actualIdp: 'b' })).toContain('users of a');
    expect(describeFailure({ condition: 'mfa_stale', authenticatedAt: 0, maxAgeSeconds: 60 })).toContain('60 s');
    expect(describeFailure({ condition: 'invalid_mapping', problems: ['x'] })).toContain('misconfigured: x');
  });
});

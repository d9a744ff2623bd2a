import { describe, expect, it } from 'vitest';
import { checkRoleProvider, parseProviderArn, parseRoleArn } from '../../../src/domain/arn.js';

describe('parseRoleArn', () => {
  it.each([
    ['arn:aws:iam::111122223333:role/Developer', 'aws', '/', 'Developer'],
    ['arn:aws:iam::111122223333:role/teams/data/Analyst', 'aws', '/teams/data/', 'Analyst'],
    ['arn:aws-us-gov:iam::111122223333:role/Gov+Role=1,x.y@z-w_v', 'aws-us-gov', '/', 'Gov+Role=1,x.y@z-w_v'],
    ['arn:aws-cn:iam::111122223333:role/CnRole', 'aws-cn', '/', 'CnRole'],
  ])('when given %s, then it reads partition %s, path %s and name %s', (arn, partition, path, name) => {
    expect(parseRoleArn(arn)).toEqual({ ok: true, value: { arn, partition, accountId: '111122223333', path, name } });
  });

  it.each([
    ['arn:aws:iam::11112222333:role/X', /invalid account id/],
    ['arn:aws:iam::111122223333:user/X', /is not a role ARN/],
    ['arn:aws:sts::111122223333:assumed-role/X/y', /is not an IAM ARN/],
    ['arn:aws:iam:us-east-1:111122223333:role/X', /has a region/],
    ['arn:aws-iso:iam::111122223333:role/X', /unknown partition "aws-iso"/],
    ['arn:aws:iam::111122223333:role/', /invalid role name/],
    ['arn:aws:iam::111122223333:role/has space', /invalid role name/],
    [`arn:aws:iam::111122223333:role/${'x'.repeat(65)}`, /invalid role name/],
    ['arn:aws:iam::111122223333:role//double/X', /invalid role path/],
    ['arn:aws:iam::111122223333:role/pa th/X', /invalid role path/],
    ['not an arn', /is not an ARN/],
    ['arn:aws:iam::111122223333', /is not an ARN/],
    [`arn:aws:iam::111122223333:role/${'p/'.repeat(1100)}X`, /longer than 2048/],
  ])('when given %s, then it is refused (%s)', (arn, message) => {
    const result = parseRoleArn(arn);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});

describe('parseProviderArn', () => {
  it('when given a SAML provider ARN, then kind and name are read', () => {
    expect(parseProviderArn('arn:aws:iam::111122223333:saml-provider/rolegate')).toEqual({
      ok: true,
      value: {
        arn: 'arn:aws:iam::111122223333:saml-provider/rolegate',
        partition: 'aws',
        accountId: '111122223333',
        kind: 'saml',
        name: 'rolegate',
      },
    });
  });

  it('when given an OIDC provider ARN, then the issuer host and path are its name', () => {
    const result = parseProviderArn('arn:aws:iam::111122223333:oidc-provider/rolegate.corp.example/oidc');
    expect(result.ok && result.value).toMatchObject({ kind: 'oidc', name: 'rolegate.corp.example/oidc' });
  });

  it.each([
    'arn:aws:iam::111122223333:saml-provider/bad name',
    'arn:aws:iam::111122223333:saml-provider/',
    'arn:aws:iam::111122223333:role/X',
    'arn:aws:iam::111122223333:oidc-provider/',
  ])('when given %s, then it is refused', (arn) => {
    expect(parseProviderArn(arn).ok).toBe(false);
  });
});

describe('checkRoleProvider', () => {
  const roleArn = 'arn:aws:iam::111122223333:role/Developer';
  it('when a SAML role names a SAML provider of its account and partition, then both are returned', () => {
    const result = checkRoleProvider('saml', roleArn, 'arn:aws:iam::111122223333:saml-provider/rolegate');
    expect(result.ok && result.value.provider?.kind).toBe('saml');
  });

  it('when a web-identity role names an OIDC provider, then it is accepted', () => {
    expect(checkRoleProvider('web-identity', roleArn, 'arn:aws:iam::111122223333:oidc-provider/rolegate.corp.example').ok).toBe(true);
  });

  it.each([
    ['saml', undefined, /names no SAML provider ARN/],
    ['web-identity', '', /names no OIDC provider ARN/],
    ['saml', 'arn:aws:iam::111122223333:oidc-provider/x.example', /is an OIDC provider but the role uses saml/],
    ['web-identity', 'arn:aws:iam::111122223333:saml-provider/x', /is an SAML provider but the role uses web-identity/],
    ['saml', 'arn:aws:iam::999988887777:saml-provider/x', /is in account 999988887777 but the role is in 111122223333/],
    ['saml', 'arn:aws-cn:iam::111122223333:saml-provider/x', /is in partition aws-cn but the role is in aws/],
    ['saml', 'garbage', /is not an ARN/],
  ] as const)('when mode %s names provider %s, then it is refused (%s)', (mode, provider, message) => {
    const result = checkRoleProvider(mode, roleArn, provider);
    expect(!result.ok && result.error).toMatch(message);
  });

  it('when an assume-role role names no provider, then it is fine', () => {
    expect(checkRoleProvider('assume-role', roleArn, undefined).ok).toBe(true);
  });
});

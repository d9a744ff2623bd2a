import { describe, expect, it } from 'vitest';
import { evaluatePolicy, globMatch } from '../../../devstack/sts/policy/evaluate-policy.js';
import { parsePolicyDocument, PolicySyntaxError } from '../../../devstack/sts/policy/policy-document.js';

const FED = 'arn:aws:iam::111111111111:saml-provider/idp';
const trust = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parsePolicyDocument(
    { Statement: [{ Effect: 'Allow', Principal: { Federated: FED }, Action: 'sts:AssumeRoleWithSAML', Condition: condition, ...extra }] },
    { requirePrincipal: true },
  );
const decide = (policy: ReturnType<typeof trust>, context: Record<string, string[]>, action = 'sts:AssumeRoleWithSAML') =>
  evaluatePolicy(policy, { action, principal: { type: 'Federated', ids: [FED] }, context: new Map(Object.entries(context)) });

describe('trust policy evaluation', () => {
  it('when StringEquals lists several values, then any one matches', () => {
    const policy = trust({ StringEquals: { 'SAML:aud': ['https://a', 'https://b'] } });
    expect(decide(policy, { 'saml:aud': ['https://b'] })).toBe('allow');
    expect(decide(policy, { 'saml:aud': ['https://c'] })).toBe('implicit-deny');
  });

  it('when a condition key is missing, then positive operators fail and IfExists passes', () => {
    expect(decide(trust({ StringEquals: { 'sts:ExternalId': 'x' } }), {})).toBe('implicit-deny');
    expect(decide(trust({ StringEqualsIfExists: { 'sts:ExternalId': 'x' } }), {})).toBe('allow');
    expect(decide(trust({ StringNotEquals: { 'sts:ExternalId': 'x' } }), {})).toBe('allow');
  });

  it('when Null is used, then it tests presence', () => {
    const policy = trust({ Null: { 'sts:SourceIdentity': 'false' } });
    expect(decide(policy, { 'sts:sourceidentity': ['alice'] })).toBe('allow');
    expect(decide(policy, {})).toBe('implicit-deny');
  });

  it('when ForAnyValue and ForAllValues qualify a multi-valued key, then they follow IAM set semantics', () => {
    expect(decide(trust({ 'ForAnyValue:StringEquals': { 'idp:amr': 'mfa' } }), { 'idp:amr': ['pwd', 'mfa'] })).toBe('allow');
    expect(decide(trust({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }), { 'aws:tagkeys': ['team', 'cost'] })).toBe(
      'implicit-deny',
    );
    expect(decide(trust({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }), {})).toBe('allow');
  });

  it('when an explicit Deny applies, then it wins', () => {
    const policy = parsePolicyDocument(
      {
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: 'sts:*' },
          { Effect: 'Deny', Principal: '*', Action: 'sts:TagSession' },
        ],
      },
      { requirePrincipal: true },
    );
    expect(decide(policy, {}, 'sts:AssumeRoleWithSAML')).toBe('allow');
    expect(decide(policy, {}, 'sts:TagSession')).toBe('explicit-deny');
  });

  it('when the principal is another provider, then nothing is allowed', () => {
    const policy = trust({});
    expect(
      evaluatePolicy(policy, {
        action: 'sts:AssumeRoleWithSAML',
        principal: { type: 'Federated', ids: ['arn:aws:iam::1:saml-provider/x'] },
        context: new Map(),
      }),
    ).toBe('implicit-deny');
  });

  it('when numeric and date operators compare, then values are compared as numbers and times', () => {
    expect(decide(trust({ NumericLessThanEquals: { 'x:n': '10' } }), { 'x:n': ['9'] })).toBe('allow');
    expect(decide(trust({ DateGreaterThan: { 'x:t': '2020-01-01T00:00:00Z' } }), { 'x:t': ['2021-01-01T00:00:00Z'] })).toBe('allow');
  });

  it('when wildcards are used, then * and ? match as in IAM', () => {
    expect(globMatch('sts:AssumeRole*', 'sts:AssumeRoleWithSAML', true)).toBe(true);
    expect(globMatch('eng?', 'engx', false)).toBe(true);
    expect(globMatch('a.b', 'axb', false)).toBe(false);
  });

  it.each([
    ['not JSON', '{'],
    ['no statement', '{"Version":"2012-10-17"}'],
    ['a bad effect', '{"Statement":{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}}'],
    ['NotPrincipal', '{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"sts:AssumeRole"}}'],
    ['no principal in a trust policy', '{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}'],
  ])('when a policy has %s, then it is refused', (_what, text) => {
    expect(() => parsePolicyDocument(text, { requirePrincipal: true })).toThrow(PolicySyntaxError);
  });
});

import { describe, expect, it } from 'vitest';
import { cutoffOf, denyRolePolicy, denyUserPolicy } from '../../../src/domain/revocation-policy.js';

describe('revocation policies', () => {
  it('when the cut-off falls inside a second, then it is rounded up so tokens of that second are denied too', () => {
    expect(cutoffOf(Date.parse('2026-11-22T14:00:00.001Z'))).toBe('2026-11-22T14:00:01Z');
    expect(cutoffOf(Date.parse('2026-11-22T14:00:00.000Z'))).toBe('2026-11-22T14:00:00Z');
  });

  it('when a user is revoked, then the statement denies everything to their SourceIdentity before the cut-off', () => {
    const policy = denyUserPolicy('alice', '2026-11-22T14:00:01Z');
    expect(JSON.parse(JSON.stringify(policy))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RolegateRevokeUser',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceIdentity': 'alice' }, DateLessThan: { 'aws:TokenIssueTime': '2026-11-22T14:00:01Z' } },
        },
      ],
    });
  });

  it('when a role is revoked, then the only condition is the token issue time', () => {
    expect(denyRolePolicy('2026-11-22T14:00:01Z').Statement[0]?.Condition).toEqual({
      DateLessThan: { 'aws:TokenIssueTime': '2026-11-22T14:00:01Z' },
    });
  });
});

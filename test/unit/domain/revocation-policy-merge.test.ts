import { describe, expect, it } from 'vitest';
import { mergedRevocationPolicy, ROLE_INLINE_POLICY_LIMIT } from '../../../src/domain/revocation-policy.js';

const T1 = '2026-12-02T10:00:00Z';
const T2 = '2026-12-02T11:00:00Z';
const T3 = '2026-12-02T12:00:00Z';
const until = '2026-12-03T00:00:00Z';

describe('merging revocations into one policy per role', () => {
  it('when users are revoked at different times, then each cut-off is one statement naming its SourceIdentities, and a user keeps only the latest', () => {
    const { policy, broadened } = mergedRevocationPolicy([
      { cutoff: T1, sourceIdentity: 'bob', expiresAt: until },
      { cutoff: T2, sourceIdentity: 'alice', expiresAt: until },
      { cutoff: T2, sourceIdentity: 'carol', expiresAt: until },
      { cutoff: T3, sourceIdentity: 'bob', expiresAt: until },
    ]);
    expect(broadened).toBe(false);
    expect(policy.Statement.map((s) => s.Condition)).toEqual([
      { StringEquals: { 'aws:SourceIdentity': ['alice', 'carol'] }, DateLessThan: { 'aws:TokenIssueTime': T2 } },
      { StringEquals: { 'aws:SourceIdentity': 'bob' }, DateLessThan: { 'aws:TokenIssueTime': T3 } },
    ]);
  });

  it('when the role itself is revoked, then it subsumes user revocations before its cut-off', () => {
    const { policy } = mergedRevocationPolicy([
      { cutoff: T1, sourceIdentity: 'bob', expiresAt: until },
      { cutoff: T2, expiresAt: until },
      { cutoff: T3, sourceIdentity: 'alice', expiresAt: until },
    ]);
    expect(policy.Statement.map((s) => [s.Sid, s.Condition])).toEqual([
      ['RolegateRevokeRole', { DateLessThan: { 'aws:TokenIssueTime': T2 } }],
      ['RolegateRevokeUsers1', { StringEquals: { 'aws:SourceIdentity': 'alice' }, DateLessThan: { 'aws:TokenIssueTime': T3 } }],
    ]);
  });

  it('when the precise policy would pass the limit, then it broadens to every session before the latest cut-off', () => {
    const entries = Array.from({ length: 2000 }, (_, i) => ({
      cutoff: i % 2 ? T1 : T3,
      sourceIdentity: `user-${String(i).padStart(4, '0')}@example.com`,
      expiresAt: until,
    }));
    const merged = mergedRevocationPolicy(entries);
    expect(merged.broadened).toBe(true);
    expect(merged.policy.Statement).toEqual([
      expect.objectContaining({ Sid: 'RolegateRevokeAllBefore', Condition: { DateLessThan: { 'aws:TokenIssueTime': T3 } } }),
    ]);
    expect(merged.size).toBeLessThan(ROLE_INLINE_POLICY_LIMIT);
    expect(mergedRevocationPolicy(entries.slice(0, 100)).broadened).toBe(false);
  });
});

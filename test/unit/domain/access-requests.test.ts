import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy } from '../../../src/domain/access-model.js';
import {
  approvalPolicyOf,
  approverRefusal,
  checkRequestAgainstPolicy,
  formatDuration,
  parseDurationText,
  ticketPatternProblem,
  type AccessRequestRecord,
} from '../../../src/domain/access-requests.js';
import { entitlementsFor } from '../../../src/domain/entitlements.js';
import { checkRoleRequestIn, roleRequestError } from '../../../src/domain/role-request.js';
import { indexAccessModel } from '../../../src/domain/access-index.js';
import { RolegateError } from '../../../src/domain/errors.js';
import { account, mapping, principal, role } from '../../fixtures/access-model.js';

const NOW = 1_800_000_000_000;
const policy: ApprovalPolicy = {
  approverGroups: ['approvers'],
  approvalsNeeded: 1,
  maxGrantSeconds: 4 * 3600,
  reasonRequired: true,
  ticketPattern: 'OPS-[0-9]{1,6}',
  autoApproveGroups: [],
};

describe('grant durations as text', () => {
  it.each([
    ['4h', 14_400],
    ['90m', 5400],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['900s', 900],
    ['1d2h3m4s', 93_784],
  ])('when %s is read, then it is %i s and prints canonically', (text, seconds) => {
    expect(parseDurationText(text)).toBe(seconds);
    expect(parseDurationText(formatDuration(seconds))).toBe(seconds);
  });

  it.each(['', 'h', '4', '4x', '-1h', '1.5h', 'm30', '4h4h', `${'9'.repeat(30)}s`])('when %j is read, then it is no duration', (text) => {
    expect(parseDurationText(text)).toBeUndefined();
  });

  it('when seconds are printed, then the largest units come first', () => {
    expect(formatDuration(14_400)).toBe('4h');
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(90)).toBe('1m30s');
  });
});

describe('ticket patterns', () => {
  it('when a pattern does not compile, is empty or too long, then it is refused with why', () => {
    expect(ticketPatternProblem('OPS-([')).toMatch(/not a valid regular expression/);
    expect(ticketPatternProblem('')).toMatch(/expected a regular expression/);
    expect(ticketPatternProblem('a'.repeat(201))).toMatch(/at most 200/);
    expect(ticketPatternProblem('OPS-[0-9]+')).toBeUndefined();
  });

  it('when a ticket is checked, then the whole ticket must match, even against an alternation', () => {
    const ok = (ticket: string, ticketPattern: string) => {
      try {
        checkRequestAgainstPolicy(
          { ...policy, ticketPattern },
          { durationSeconds: 3600, reason: 'a good reason here', ticket },
          NOW,
          'Admin',
        );
        return true;
      } catch {
        return false;
      }
    };
    expect(ok('OPS-12', 'OPS-[0-9]{1,6}')).toBe(true);
    expect(ok('xOPS-12', 'OPS-[0-9]{1,6}')).toBe(false);
    expect(ok('OPS-12x', 'OPS-[0-9]{1,6}')).toBe(false);
    // `^(?:a|b)$`, not `^a|b$`: "INC-1 and more" does not slip through the second branch.
    expect(ok('INC-1 and more', 'OPS-1|INC-1')).toBe(false);
    expect(ok('INC-1', 'OPS-1|INC-1')).toBe(true);
  });

  it('when a backtracking-prone pattern meets a long hostile ticket, then the bounded ticket length keeps the check fast', () => {
    const started = performance.now();
    expect(() =>
      checkRequestAgainstPolicy(
        { ...policy, ticketPattern: '(a+)+b' },
        { durationSeconds: 3600, reason: 'a good reason here', ticket: 'a'.repeat(5000) },
        NOW,
        'Admin',
      ),
    ).toThrow(/ticket id matching/);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('checkRequestAgainstPolicy', () => {
  const check = (ask: Partial<Parameters<typeof checkRequestAgainstPolicy>[1]>) =>
    checkRequestAgainstPolicy(
      policy,
      { durationSeconds: 3600, reason: 'rotate the password', ticket: 'OPS-1', ...ask },
      NOW,
      'Admin in prod',
    );
  const reasonOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error instanceof RolegateError ? [error.status, error.extras.reason, error.detail] : error;
    }
    return 'passed';
  };

  it('when the request fits, then the reason and ticket come back trimmed', () => {
    expect(check({ reason: '  rotate the password ', ticket: ' OPS-1 ' })).toEqual({ reason: 'rotate the password', ticket: 'OPS-1' });
  });

  it.each([
    ['above maxGrant', { durationSeconds: 4 * 3600 + 1 }, 'duration_above_max_grant', /maximum grant of 4h \(14400 s\)/],
    ['under 900 s', { durationSeconds: 899 }, 'invalid_duration', /at least 15m/],
    ['no reason', { reason: undefined }, 'reason_required', /needs a reason/],
    ['a reason with a control character', { reason: 'rotate\u0000the password' }, 'reason_required', /printable/],
    ['no ticket', { ticket: undefined }, 'ticket_invalid', /OPS-\[0-9\]\{1,6\}/],
    ['a start in the past', { startsAt: NOW - 3_600_000 }, 'invalid_start', /startsAt/],
    ['a start too far ahead', { startsAt: NOW + 8 * 86_400_000 }, 'invalid_start', /startsAt/],
  ])('when the request has %s, then it is a 400 naming what', (_name, ask, reason, detail) => {
    const [status, code, text] = reasonOf(() => check(ask)) as [number, string, string];
    expect([status, code]).toEqual([400, reason]);
    expect(text).toMatch(detail);
  });
});

describe('approvers', () => {
  const record = { principalId: 'corp:alice' } as AccessRequestRecord;
  it('when the requester or someone outside the approver groups decides, then it is refused with why', () => {
    expect(approverRefusal(record, policy, { id: 'corp:alice', groups: ['approvers'] })).toMatch(/your own request/);
    expect(approverRefusal(record, policy, { id: 'corp:bob', groups: ['devs'] })).toMatch(/membership of approvers/);
    expect(approverRefusal(record, policy, { id: 'corp:bob', groups: ['approvers'] })).toBeUndefined();
  });

  it('when a stored policy is unreadable, then it reads as none (fail closed)', () => {
    expect(approvalPolicyOf({ approverGroups: ['a'], maxGrant: '4h' })).toMatchObject({ approvalsNeeded: 1, maxGrantSeconds: 14_400 });
    expect(approvalPolicyOf({ approverGroups: [], maxGrant: '4h' })).toBeUndefined();
    expect(approvalPolicyOf({ approverGroups: ['a'], maxGrant: 'soon' })).toBeUndefined();
    expect(approvalPolicyOf({ approverGroups: ['a'], maxGrant: '4h', ticketPattern: '([' })).toBeUndefined();
    expect(approvalPolicyOf(null)).toBeUndefined();
  });
});

describe('eligible mappings in the entitlement decision', () => {
  const prod = account({ id: '222233334444', alias: 'prod' });
  const admin = role({ accountId: prod.id, name: 'Admin' });
  const alice = principal({ id: 'corp:alice', groups: ['devs'] });
  const eligible = mapping(admin.id, 'devs', { approval: policy });
  const model = { accounts: [prod], roles: [admin], mappings: [eligible] };
  const grant = { id: 'g-1', principalId: alice.id, roleId: admin.id, startsAt: NOW - 60_000, endsAt: NOW + 600_000 };

  it('when only an eligible mapping applies, then the role is eligible, never entitled, and credentials need a grant', () => {
    const decided = entitlementsFor({ principal: alice, sourceIp: '10.0.0.1', now: NOW, ...model });
    expect(decided.accounts[0]?.entitled).toEqual([]);
    expect(decided.accounts[0]?.eligible.map((e) => [e.role.name, e.policy])).toEqual([['Admin', policy]]);
    const asked = checkRoleRequestIn(
      indexAccessModel(model),
      { principal: alice, sourceIp: undefined, now: NOW },
      { account: 'prod', role: 'Admin' },
    );
    expect(asked).toMatchObject({ ok: false, reason: 'grant_required' });
    if (!asked.ok)
      expect(roleRequestError(asked)).toMatchObject({ status: 403, code: 'role_not_entitled', extras: { reason: 'grant_required' } });
  });

  it('when the user holds an active grant, then the role is entitled through it, and not before its start nor after its end', () => {
    const at = (now: number) =>
      entitlementsFor({
        principal: alice,
        sourceIp: undefined,
        now,
        ...model,
        grantFor: (roleId) => (roleId === admin.id ? grant : undefined),
      });
    expect(at(NOW).accounts[0]?.entitled[0]).toMatchObject({ role: { name: 'Admin' }, grant });
    expect(at(grant.startsAt - 1).accounts[0]?.entitled).toEqual([]);
    expect(at(grant.endsAt).accounts[0]?.entitled).toEqual([]);
    expect(at(grant.endsAt).accounts[0]?.eligible).toHaveLength(1);
  });

  it('when the eligible mapping no longer applies (group lost, condition failing), then a grant entitles nothing', () => {
    const grantFor = () => grant;
    const lost = entitlementsFor({ principal: { ...alice, groups: ['other'] }, sourceIp: undefined, now: NOW, ...model, grantFor });
    expect(lost.accounts).toEqual([]);
    const fenced = { ...model, mappings: [{ ...eligible, allowedCidrs: ['10.0.0.0/8'] }] };
    const outside = entitlementsFor({ principal: alice, sourceIp: '192.0.2.1', now: NOW, ...fenced, grantFor });
    expect(outside.accounts[0]?.entitled).toEqual([]);
    expect(outside.accounts[0]?.denied[0]?.mappings[0]?.failures[0]?.condition).toBe('source_ip_not_allowed');
  });

  it('when a standing mapping also applies, then it wins: entitled without a grant', () => {
    const both = { ...model, mappings: [eligible, mapping(admin.id, 'devs-too')] };
    const decided = entitlementsFor({ principal: { ...alice, groups: ['devs', 'devs-too'] }, sourceIp: undefined, now: NOW, ...both });
    expect(decided.accounts[0]?.entitled[0]?.grant).toBeUndefined();
    expect(decided.accounts[0]?.eligible).toEqual([]);
  });
});

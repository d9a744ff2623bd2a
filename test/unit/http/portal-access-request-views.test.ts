import { describe, expect, it } from 'vitest';
import type { AccessRequestRecord } from '../../../src/domain/access-requests.js';
import type { Principal } from '../../../src/domain/principal.js';
import { adminAccessRequestsPage, revokeConfirmPage } from '../../../src/http/views/admin/access-requests-page.js';
import { approvalsPage, myRequestsPage, requestFormPage, requestPage } from '../../../src/http/views/portal/access-requests-pages.js';

const principal = {
  id: 'demo:bob',
  idp: 'demo',
  subject: 'bob',
  username: 'bob',
  groups: ['aws-admin'],
  authn: { mfa: true },
} as Principal;
const viewer = { principal, csrfToken: 'csrf-token-value' };
const NOW = Date.parse('2026-12-02T13:00:00Z');

const record = (extra: Partial<AccessRequestRecord> = {}): AccessRequestRecord => ({
  id: '5f1c0000-0000-4000-8000-000000000001',
  state: 'pending',
  principalId: 'demo:alice',
  idp: 'demo',
  username: 'alice<b>',
  groups: ['aws-dev', 'a"b'],
  accountId: '222222222222',
  roleId: 'role-1',
  roleArn: 'arn:aws:iam::222222222222:role/Admin',
  mappingId: 'mapping-1',
  policy: { approverGroups: ['aws-admin'], approvalsNeeded: 1, maxGrantSeconds: 14_400, reasonRequired: true, autoApproveGroups: [] },
  durationSeconds: 1200,
  reason: '<img src=x onerror=alert(1)> rotate',
  ticket: 'OPS-17',
  createdAt: NOW,
  expiresAt: NOW + 86_400_000,
  approvals: [],
  autoApproved: false,
  ...extra,
});
const row = (extra: Partial<AccessRequestRecord> = {}) => ({ record: record(extra), alias: 'prod', description: 'Full <b>admin</b>' });

/** Every POST form carries the CSRF token; nothing inline for the CSP; nothing a requester typed is markup. */
function expectSafe(page: string): void {
  const forms = page.match(/<form method="post"/g)?.length ?? 0;
  expect(page.match(/name="_csrf" value="csrf-token-value"/g)?.length ?? 0).toBe(forms);
  expect(page).not.toMatch(/<script>|<style|style="/);
  expect(page).not.toContain('<img src=x');
  expect(page).not.toContain('alice<b>');
}

describe('the just-in-time access pages', () => {
  it('when the form is rendered, then each eligible role is a checkbox with its maximum and policy, chosen ones ticked', () => {
    const page = requestFormPage({
      viewer,
      eligible: [
        {
          account: { id: '222222222222', alias: 'prod' },
          role: {
            name: 'Admin',
            arn: 'arn:aws:iam::222222222222:role/Admin',
            description: '<b>x</b>',
            maxGrantSeconds: 14_400,
            approvalsNeeded: 2,
            reasonRequired: true,
            ticketPattern: 'OPS-[0-9]+',
            approverGroups: ['aws-admin'],
            viaGroups: ['aws-dev'],
          },
        },
      ],
      values: { roles: ['222222222222/Admin'], duration: '"><x', reason: '</textarea><b>', ticket: '', startsAt: '' },
      error: 'duration <b> is bad',
    });
    expectSafe(page);
    expect(page).toContain('name="roles" value="222222222222/Admin" checked');
    expect(page).toContain('— max 4h, 2 approvals needed from aws-admin, reason required, ticket matching OPS-[0-9]+');
    expect(page).toContain('value="&quot;&gt;&lt;x"');
    expect(page).toContain('&lt;/textarea&gt;&lt;b&gt;');
    expect(page).toContain('<p class="error" role="alert" id="request-error">duration &lt;b&gt; is bad</p>');
  });

  it('when requests are listed, then an active grant carries its end for the countdown and open ones a Cancel button', () => {
    const mine = { ...viewer, principal: { ...principal, id: 'demo:alice' } };
    const page = myRequestsPage(mine, [
      row(),
      row({ id: '5f1c0000-0000-4000-8000-000000000002', state: 'active', endsAt: NOW + 1_200_000 }),
      row({ state: 'denied' }),
    ]);
    expectSafe(page);
    expect(page).toContain('data-ends-at="2026-12-02T13:20:00.000Z"');
    expect(page.match(/\/cancel"/g)?.length).toBe(2);
    expect(page).toContain('End grant now');
  });

  it('when an approver looks at a request, then its context is shown escaped and Approve / Deny are offered', () => {
    const page = requestPage({
      viewer,
      row: row(),
      canDecide: true,
      history: [row({ id: '5f1c0000-0000-4000-8000-000000000003', state: 'revoked' })],
    });
    expectSafe(page);
    expect(page).toContain('Full &lt;b&gt;admin&lt;/b&gt;');
    expect(page).toContain('aws-dev, a&quot;b');
    expect(page).toContain('/approve"');
    expect(page).toContain('ended (revoked)');
    const inbox = approvalsPage(viewer, [{ row: row(), history: [] }]);
    expectSafe(inbox);
    expect(inbox).toContain('None: this is their first.');
  });

  it('when an administrator lists and revokes, then only open grants have Revoke and the confirmation carries the token', () => {
    const page = adminAccessRequestsPage({ rows: [row({ state: 'active', endsAt: NOW }), row({ state: 'denied' })], states: [], user: '' });
    expect(page.match(/Revoke…/g)?.length).toBe(1);
    expect(page).not.toContain('<img src=x');
    const confirm = revokeConfirmPage({ row: row({ state: 'active', endsAt: NOW }), csrfToken: 'csrf-token-value' });
    expectSafe(confirm);
  });
});

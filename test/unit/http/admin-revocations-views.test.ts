import { describe, expect, it } from 'vitest';
import { revocationsPage } from '../../../src/http/views/admin/revocations-page.js';
import type { RevocationJob } from '../../../src/ports/revocation-jobs.js';

const ROLE = 'arn:aws:iam::111111111111:role/Developer';

describe('the revocation jobs table', () => {
  it('when a job failed after broadening, then its row shows the state, attempts, last error (escaped) and that it was broadened', () => {
    const job: RevocationJob = {
      id: 'j1',
      accountId: '111111111111',
      roleArn: ROLE,
      entries: [{ cutoff: '2026-12-02T14:00:00Z', sourceIdentity: 'alice', expiresAt: '2026-12-03T02:00:00Z' }],
      state: 'failed',
      attempts: 8,
      revision: 3,
      lastError: 'AccessDenied: <not allowed> iam:PutRolePolicy',
      broadened: true,
    };
    const html = revocationsPage({ jobs: [job] });
    expect(html).toMatch(
      new RegExp(
        `<tr data-role="${ROLE}" data-state="failed">\\s*<td><code>${ROLE}</code></td>\\s*<td>failed</td>\\s*<td>8</td>\\s*` +
          '<td>AccessDenied: &lt;not allowed&gt; iam:PutRolePolicy</td>\\s*<td>yes: all sessions issued before the cutoff</td>\\s*<td>1</td>',
      ),
    );
  });

  it('when there is no job, then the page says so instead of an empty table', () => {
    expect(revocationsPage({ jobs: [] })).toContain('<p>No revocation job: no revocation reached an account with a revoker role.</p>');
  });
});

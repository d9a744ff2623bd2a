import { describe, expect, it } from 'vitest';
import type { DeviceReview } from '../../../src/features/cli-auth/device-flow.js';
import { deviceConfirmPage } from '../../../src/http/views/cli-auth-pages.js';

const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);
const pageFor = (review: Partial<DeviceReview>) =>
  deviceConfirmPage({
    username: 'alice',
    userCode: 'BCDF-GHJK',
    clientName: 'rolegate CLI',
    deviceName: 'build-box-7',
    grantEndsAt: NOW + 3_600_000,
    csrfToken: 'csrf',
    now: NOW,
    review: { requester: {}, requestedAt: NOW - 1000, approver: {}, sameAddress: undefined, ...review },
  });

describe('deviceConfirmPage', () => {
  it('when the code was requested before requesters were recorded, then it says so and does not claim a match or a mismatch', () => {
    const page = pageFor({ approver: { sourceIp: '198.51.100.7' } });
    expect(page).toContain('an address rolegate did not record (your browser: <code>198.51.100.7</code>)');
    expect(page).toContain('<dd>not stated</dd>');
    expect(page).not.toContain('device-address-warning');
  });

  it('when the code was requested minutes ago, then the age is in minutes with the time', () => {
    expect(pageFor({ requestedAt: NOW - 7 * 60_000 })).toContain('<dd>7 minutes ago (Fri, 01 May 2026 11:53:00 GMT)</dd>');
    expect(pageFor({ requestedAt: NOW - 1000 })).toContain('<dd>1 second ago (');
  });

  it('when the addresses differ, then the warning comes before the details and quotes both addresses, escaped and cut short', () => {
    const forged = `10.0.0.1<b>${'9'.repeat(100)}`;
    const page = pageFor({ requester: { sourceIp: forged }, approver: { sourceIp: '198.51.100.7' }, sameAddress: false });
    expect(page.indexOf('device-address-warning')).toBeLessThan(page.indexOf('<dl>'));
    expect(page).not.toContain('<b>');
    expect(page).toContain(`10.0.0.1&lt;b&gt;${'9'.repeat(53)}…`);
    expect(page).not.toContain('9'.repeat(54));
  });
});

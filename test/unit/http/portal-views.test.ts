import { describe, expect, it } from 'vitest';
import type { RolesResponse } from '../../../src/contracts/roles.js';
import type { Principal } from '../../../src/domain/principal.js';
import { credentialsPage, profileNameFor } from '../../../src/http/views/portal/credentials-page.js';
import { durationOptions } from '../../../src/http/views/portal/durations.js';
import { rolesPage } from '../../../src/http/views/portal/roles-page.js';

const principal: Principal = {
  id: 'demo:alice',
  idp: 'demo',
  subject: 'alice',
  username: 'alice',
  displayName: 'Alice <Admin>',
  groups: ['aws-dev', 'a"b'],
  authn: { mfa: false },
} as Principal;
const viewer = { principal, csrfToken: 'csrf-token-value' };

const role = (name: string, extra: Partial<RolesResponse['accounts'][number]['roles'][number]> = {}) => ({
  name,
  arn: `arn:aws:iam::111111111111:role/${name}`,
  description: `${name} role`,
  mode: 'saml' as const,
  maxSessionSeconds: 3600,
  breakGlass: false,
  mfaRequired: false,
  viaGroups: ['aws-dev'],
  ...extra,
});
const roles: RolesResponse = {
  accounts: [
    {
      id: '111111111111',
      alias: 'sandbox',
      partition: 'aws',
      region: 'us-east-1',
      roles: [
        role('Developer', { description: '<script>alert(1)</script> builds things' }),
        role('ReadOnly'),
        role('BreakGlass', { breakGlass: true }),
      ],
      denied: [],
    },
  ],
};
const noPrefs = { favourites: [], recent: [] };

describe('rolesPage', () => {
  it('when descriptions, names and groups hold markup, then everything is escaped', () => {
    const page = rolesPage({ viewer, roles, prefs: noPrefs, q: '' });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; builds things');
    expect(page).toContain('Alice &lt;Admin&gt;');
    expect(page).toContain('title="Groups: aws-dev, a&quot;b"');
    const searched = rolesPage({ viewer, roles, prefs: noPrefs, q: '"><img src=x>' });
    expect(searched).not.toContain('"><img src=x>');
    expect(searched).toContain('value="&quot;&gt;&lt;img src=x&gt;"');
  });

  it('when q is given, then only matching roles are rendered (every word must match)', () => {
    const page = rolesPage({ viewer, roles, prefs: noPrefs, q: 'sandbox read' });
    expect(page).toContain('<span class="role-name">ReadOnly</span>');
    expect(page).not.toContain('<span class="role-name">Developer</span>');
  });

  it('when a role is a favourite or recently used, then it is pinned; break-glass roles are only in their own section', () => {
    const page = rolesPage({ viewer, roles, prefs: { favourites: ['111111111111/ReadOnly'], recent: ['111111111111/BreakGlass'] }, q: '' });
    const pinned = /<section class="pinned"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(pinned).toContain('ReadOnly');
    expect(pinned).not.toContain('BreakGlass');
    expect(page).toMatch(/<section class="break-glass"[\s\S]*BreakGlass/);
  });

  it('when every form is rendered, then each carries the CSRF token and no inline script or style', () => {
    const page = rolesPage({ viewer, roles, prefs: noPrefs, q: '' });
    const forms = page.match(/<form method="post"/g)?.length ?? 0;
    expect(forms).toBeGreaterThan(0);
    expect(page.match(/name="_csrf" value="csrf-token-value"/g)?.length).toBe(forms);
    expect(page).not.toMatch(/<script>|<style|style="/);
  });

  it('when every role fits on one page, then there is no pager and the list is marked complete (filtered in the browser)', () => {
    const page = rolesPage({ viewer, roles, prefs: noPrefs, q: '' });
    expect(page).not.toContain('class="pager"');
    expect(page).toMatch(/<div id="results" data-q=""\s+data-complete\s*>/);
    expect(page).toContain('maxlength="200"');
    const searched = rolesPage({ viewer, roles, prefs: noPrefs, q: 'read' });
    expect(searched).toMatch(/<div id="results" data-q="read"\s*>/);
    expect(searched).toContain('1 of 3 roles match “read”');
  });

  it('when the user has no roles, then the page says so and names their groups', () => {
    const page = rolesPage({ viewer, roles: { accounts: [] }, prefs: noPrefs, q: '' });
    expect(page).toContain('You have no AWS roles yet');
    expect(page).toContain('Your groups: aws-dev, a&quot;b.');
  });
});

describe('durationOptions', () => {
  it('when the role allows 1 h, then 15 min and 1 h are offered, 1 h selected', () => {
    expect(durationOptions(3600).map((o) => o.value)).toEqual([
      '<option value="900">15 min</option>',
      '<option value="3600" selected>1 h</option>',
    ]);
  });
  it('when the role allows 90 min, then that maximum is offered too', () => {
    expect(durationOptions(5400).map((o) => /value="(\d+)"/.exec(o.value)?.[1])).toEqual(['900', '3600', '5400']);
  });
});

describe('credentialsPage', () => {
  it('when rendered, then it shows the four formats and the credential_process snippet for the account and role', () => {
    const page = credentialsPage(viewer, {
      account: { id: '111111111111', alias: 'Sandbox Data' },
      role: { name: 'Developer', arn: 'arn:aws:iam::111111111111:role/Developer' },
      accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
      secretAccessKey: 'secret+/=',
      sessionToken: 'token<&>',
      expiresAt: new Date('2026-11-22T18:04:05.000Z'),
      durationSeconds: 3600,
      notes: [],
    });
    expect(page).toContain('export AWS_SESSION_TOKEN=token&lt;&amp;&gt;');
    expect(page).toContain('$Env:AWS_ACCESS_KEY_ID=&quot;ASIAEXAMPLEEXAMPLE12&quot;');
    expect(page).toContain('[Sandbox-Data-Developer]');
    expect(page).toContain('[profile Sandbox-Data-Developer]');
    expect(page).toContain('credential_process = rolegate credential-process --account 111111111111 --role Developer');
    expect(page).toContain('data-expires-at="2026-11-22T18:04:05.000Z"');
    expect(page).toContain('2026-11-22 18:04:05 UTC');
  });
  it('when names hold odd characters, then the profile name keeps only what ~/.aws files allow', () => {
    expect(profileNameFor('Prod EU', 'Admin+Ops')).toBe('Prod-EU-Admin+Ops');
  });
});

import { describe, expect, it } from 'vitest';
import { profileNameFor } from '../../../src/contracts/profile-name.js';
import { credentialsPage } from '../../../src/http/views/portal/credentials-page.js';

const viewer = {
  principal: {
    id: 'demo:alice',
    idp: 'demo',
    subject: 'alice',
    username: 'alice',
    displayName: 'Alice',
    groups: [],
    authn: { mfa: false },
  },
  csrfToken: 'x',
} as unknown as Parameters<typeof credentialsPage>[0];

describe('one profile-name rule for configure and the portal', () => {
  it.each([
    ['sandbox', 'Developer', 'sandbox-Developer'],
    ['prod', 'BreakGlass', 'prod-BreakGlass'],
    ['prod', 'Admin+Ops@x.y=z,w', 'prod-Admin+Ops@x.y=z,w'],
    ['Prod EU', 'Read Only', 'Prod-EU-Read-Only'],
    ['a]b[c', 'r#;$`\\"\'', 'a-b-c-r-------'],
  ])('when the account is %j and the role %j, then the profile is %j', (alias, role, name) => {
    expect(profileNameFor(alias, role)).toBe(name);
  });

  it('when the portal shows the credential_process snippet, then it names the profile exactly as `rolegate configure` writes it', () => {
    const page = credentialsPage(viewer, {
      account: { id: '111111111111', alias: 'sandbox' },
      role: { name: 'Developer', arn: 'arn:aws:iam::111111111111:role/Developer' },
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiresAt: new Date('2026-11-22T18:00:00Z'),
      durationSeconds: 3600,
      notes: [],
    });
    expect(page).toContain('[profile sandbox-Developer]');
    expect(page).toContain('[sandbox-Developer]');
    expect(page).not.toContain('sandbox-developer');
    expect(profileNameFor('sandbox', 'Developer', 'rg-')).toBe('rg-sandbox-Developer');
  });
});

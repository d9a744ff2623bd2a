import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/domain/principal.js';
import { accessTokenRecord } from '../../../src/features/cli-auth/access-tokens.js';
import { codeRecord, deviceDecisionRecord, deviceRecord, pendingConsentRecord } from '../../../src/features/cli-auth/cli-auth-records.js';
import { cachedCredentialsRecord } from '../../../src/features/credentials/credential-cache.js';
import { pendingLoginRecord } from '../../../src/features/login/finish-saml-login.js';
import { loginTransactionRecord } from '../../../src/features/login/login-transactions.js';
import { rolePrefsRecord } from '../../../src/features/portal/role-preferences.js';
import { loginSessionRecord } from '../../../src/features/sessions/session-record.js';
import type { RecordCodec } from '../../../src/support/record-codec.js';

// Every record rolegate keeps in Redis, in the shape this release writes. Two
// releases run side by side during a rolling upgrade (docs/architecture.md,
// "Stored records"): each must read what the other wrote, or say clearly why not.

const principal: Principal = {
  id: 'okta:alice',
  idp: 'okta',
  subject: 'alice',
  username: 'alice',
  email: 'alice@example.com',
  groups: ['engineers', 'oncall'],
  authn: { methods: ['pwd', 'otp'], mfa: true, authenticatedAt: 1_764_650_000_000 },
};
const approval = { clientId: 'rolegate-cli', principal, loginSessionId: 'f'.repeat(64), sessionExpiresAt: 1_764_690_000_000 };

interface Sample {
  codec: RecordCodec<object>;
  value: object;
}
const samples: Sample[] = [
  {
    codec: loginSessionRecord,
    value: {
      id: 'a'.repeat(64),
      principal,
      idp: 'okta',
      createdAt: 1_764_650_000_000,
      expiresAt: 1_764_690_000_000,
      csrfToken: 'csrf-token-value',
      idpSession: { kind: 'saml', nameId: 'alice@example.com', sessionIndex: '_idx1' },
    },
  },
  {
    codec: accessTokenRecord,
    value: {
      grantId: 'grant-1',
      clientId: 'rolegate-cli',
      principal,
      deviceName: 'laptop',
      expiresAt: 1_764_651_000_000,
      grantExpiresAt: 1_764_690_000_000,
    },
  },
  {
    codec: cachedCredentialsRecord,
    value: {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiresAt: 1_764_653_600_000,
      assumedRoleArn: 'arn:aws:sts::111111111111:assumed-role/Developer/alice',
      sessionName: 'alice',
      sourceIdentity: 'okta:alice',
      issuedAt: 1_764_650_000_000,
    },
  },
  { codec: codeRecord, value: { ...approval, redirectUri: 'http://127.0.0.1:5000/callback', codeChallenge: 'c'.repeat(43) } },
  {
    codec: pendingConsentRecord,
    value: {
      request: { clientId: 'rolegate-cli', redirectUri: 'http://127.0.0.1:5000/callback', codeChallenge: 'c'.repeat(43), state: 's' },
      sessionId: 'a'.repeat(64),
    },
  },
  {
    codec: deviceRecord,
    value: {
      clientId: 'rolegate-cli',
      clientName: 'rolegate CLI',
      deviceName: 'laptop',
      userCode: 'BCDFGHJK',
      createdAt: 1_764_650_000_000,
      expiresAt: 1_764_650_600_000,
      interval: 5,
      requester: { sourceIp: '192.0.2.1', userAgent: 'rolegate-cli/1' },
    },
  },
  { codec: deviceDecisionRecord, value: { approved: true, approver: { sourceIp: '192.0.2.2' }, ...approval } },
  { codec: deviceDecisionRecord, value: { approved: false } },
  {
    codec: loginTransactionRecord,
    value: {
      kind: 'oidc',
      idp: 'okta',
      state: 'state',
      nonce: 'nonce',
      codeVerifier: 'verifier',
      returnTo: '/portal',
      createdAt: 1_764_650_000_000,
      pending: [{ limit: 'pendingLoginsPerIp', key: 'k', until: 1_764_650_060_000 }],
    },
  },
  { codec: loginTransactionRecord, value: { kind: 'saml', idp: 'adfs', requestId: '_r1', returnTo: '/', createdAt: 1_764_650_000_000 } },
  {
    codec: loginTransactionRecord,
    value: { kind: 'saml-unsolicited', idp: 'adfs', pendingId: 'p', returnTo: '/', createdAt: 1_764_650_000_000 },
  },
  {
    codec: loginTransactionRecord,
    value: { kind: 'saml-logout', idp: 'adfs', requestId: '_r2', subject: 'alice', createdAt: 1_764_650_000_000 },
  },
  {
    codec: pendingLoginRecord,
    value: { principal, idpExpiresAt: 1_764_690_000_000, idpSession: { kind: 'saml', nameId: 'alice@example.com' } },
  },
  { codec: rolePrefsRecord, value: { favourites: ['111111111111/Developer'], recent: ['111111111111/Developer', '222222222222/Admin'] } },
];

const named = samples.map((sample, i) => ({ ...sample, label: `${sample.codec.name} #${String(i)}` }));

describe.each(named)('stored record: $label', ({ codec, value }) => {
  it('when written in the current format, then it reads back unchanged and carries its version', () => {
    const text = codec.encode(value);
    expect(JSON.parse(text)).toMatchObject({ v: codec.version });
    expect(codec.decode(text)).toEqual({ ok: true, value });
  });

  it('when written by the release before versioning (no v), then it reads as version 1', () => {
    expect(codec.version).toBe(1);
    expect(codec.decode(JSON.stringify(value))).toEqual({ ok: true, value });
  });

  it('when written by a newer release (an unknown version), then it reads as "future", never as a value', () => {
    const read = codec.decode(JSON.stringify({ ...value, v: codec.version + 1 }));
    expect(read).toMatchObject({ ok: false, problem: 'future' });
  });

  it('when a newer release added an optional field in the same version, then this one still reads it', () => {
    expect(codec.decode(JSON.stringify({ v: codec.version, ...value, addedLater: { x: 1 } }))).toEqual({ ok: true, value });
  });

  it.each([
    ['not JSON', '{"v":1,'],
    ['JSON but not an object', '[1,2,3]'],
    ['null', 'null'],
    ['a string', '"session"'],
    ['an empty object', '{}'],
    ['a version that is not a number', '{"v":"1"}'],
    ['version 0', JSON.stringify({ v: 0 })],
    ['a field of the wrong type', JSON.stringify({ ...Object.fromEntries(Object.keys(value).map((k) => [k, 12345])), v: 1 })],
  ])('when the stored text is %s, then it is refused without throwing', (_what, text) => {
    const read = codec.decode(text);
    // Preferences are a convenience: bad fields read as none rather than refusing the record.
    const lenient = codec === rolePrefsRecord && (text === '{}' || text.includes('12345'));
    if (lenient) expect(read).toEqual({ ok: true, value: { favourites: [], recent: [] } });
    else expect(read).toMatchObject({ ok: false, detail: expect.stringContaining(codec.name) as unknown });
  });
});

describe('what refusals say', () => {
  it('when a record is from a newer release, then the detail names both versions', () => {
    const read = loginSessionRecord.decode(JSON.stringify({ v: 2 }));
    expect(read).toEqual({ ok: false, problem: 'future', detail: 'the stored login session is version 2; this release reads up to 1' });
  });

  it('when a record does not validate, then the detail names the first bad field', () => {
    const read = accessTokenRecord.decode(JSON.stringify({ v: 1, grantId: 'g', clientId: 'c', deviceName: 'd', expiresAt: 1, grantExpiresAt: 2 }));
    expect(read).toMatchObject({ ok: false, problem: 'invalid', detail: expect.stringContaining('principal') as unknown });
  });

  it('when preferences hold entries that are not strings, then those entries are dropped and the rest kept', () => {
    const read = rolePrefsRecord.decode(JSON.stringify({ v: 1, favourites: ['a/b', 7, null], recent: 'oops' }));
    expect(read).toEqual({ ok: true, value: { favourites: ['a/b'], recent: [] } });
  });
});

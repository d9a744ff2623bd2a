import { describe, expect, it } from 'vitest';
import { rolesTable } from '../../../src/cli/commands/roles.js';
import { checkPolicyArns, normalizeSessionPolicy, sessionPolicyFingerprint, sessionPolicyNote } from '../../../src/domain/session-policy.js';
import { CredentialCache } from '../../../src/features/credentials/credential-cache.js';

const POLICY = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}';

describe('session policies', () => {
  it('when a policy is given with whitespace, then it is kept as compact JSON', () => {
    expect(normalizeSessionPolicy(JSON.stringify(JSON.parse(POLICY), null, 2))).toEqual({ ok: true, value: POLICY });
  });

  it('when a statement names a Principal, then it is refused', () => {
    const checked = normalizeSessionPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'x:y', Resource: '*' }] });
    expect(checked.ok ? '' : checked.error).toMatch(/must not name a Principal/);
  });

  it('when ARNs are checked against the partition, then AWS managed and customer policies of that partition pass', () => {
    expect(checkPolicyArns(['arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess'], 'aws-us-gov').ok).toBe(true);
    expect(checkPolicyArns(['arn:aws:iam::aws:policy/ReadOnlyAccess'], 'aws-cn')).toMatchObject({ ok: false });
  });

  it('when two policies differ only in their description, then they share a fingerprint; else they do not', () => {
    const id = (t: string) => t;
    expect(sessionPolicyFingerprint({ document: POLICY, arns: [], description: 'a' }, id)).toBe(
      sessionPolicyFingerprint({ document: POLICY, arns: [], description: 'b' }, id),
    );
    expect(sessionPolicyFingerprint({ document: POLICY, arns: [] }, id)).not.toBe(sessionPolicyFingerprint({ arns: ['arn:aws:iam::aws:policy/X1234567'] }, id));
    expect(sessionPolicyFingerprint(undefined, id)).toBe('none');
    expect(sessionPolicyNote({ arns: ['arn:aws:iam::aws:policy/X1234567'] })).toBe('session policy applies');
  });
});

describe('credential cache keys', () => {
  // keyOf is pure: no store is touched.
  const cache = new CredentialCache(
    { named: () => ({}) } as unknown as ConstructorParameters<typeof CredentialCache>[0], // keyOf reads nothing from the store
    {} as ConstructorParameters<typeof CredentialCache>[1],
    { now: () => 0 },
    0,
  );
  const slot = { principalId: 'alice', roleId: 'r1', durationSeconds: 3600 };

  it('when the slots differ only in session policy, then the keys differ; without one the key is unchanged', () => {
    const plain = cache.keyOf(slot);
    const a = cache.keyOf({ ...slot, sessionPolicy: { document: POLICY, arns: [] } });
    const b = cache.keyOf({ ...slot, sessionPolicy: { arns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } });
    expect(new Set([plain, a, b]).size).toBe(3);
    expect(a.startsWith(`${plain}:sp:`)).toBe(true);
    expect(cache.keyOf({ ...slot, sessionPolicy: { document: POLICY, arns: [], description: 'shown only' } })).toBe(a);
  });
});

describe('rolegate roles', () => {
  it('when a role is narrowed by a session policy, then the table shows its description', () => {
    const table = rolesTable({
      accounts: [
        {
          id: '111111111111',
          alias: 'prod',
          partition: 'aws',
          region: 'us-east-1',
          roles: [
            {
              name: 'Admin',
              arn: 'arn:aws:iam::111111111111:role/Admin',
              description: 'Administrators',
              mode: 'saml',
              maxSessionSeconds: 3600,
              breakGlass: false,
              mfaRequired: false,
              viaGroups: ['auditors'],
              sessionPolicy: 'read-only use of Admin',
            },
          ],
          denied: [],
          eligible: [],
        },
      ],
    });
    expect(table).toMatch(/Admin .*Administrators \[read-only use of Admin\]/);
  });
});

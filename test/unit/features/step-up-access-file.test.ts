import { describe, expect, it } from 'vitest';
import { approvalPolicyOf } from '../../../src/domain/access-requests.js';
import { formatProblem, parseAccessYaml, renderAccessYaml } from '../../../src/features/admin/access-file.js';

const head = [
  'version: 1',
  'accounts:',
  "  - id: '111111111111'",
  '    alias: sandbox',
  'roles:',
  '  - arn: arn:aws:iam::111111111111:role/Dev',
  '    mode: assume-role',
  'mappings:',
  '  - group: dev',
  '    role: arn:aws:iam::111111111111:role/Dev',
];

describe('step-up settings in the access file', () => {
  it('when a mapping and an approval policy set MFA ages, then they parse, export and parse back the same', () => {
    const result = parseAccessYaml(
      [
        ...head,
        '    requireMfa: true',
        '    mfaMaxAgeSeconds: 900',
        '    access: eligible',
        '    approval:',
        '      approverGroups: [leads]',
        '      maxGrant: 4h',
        '      approverMfaMaxAge: 90m',
      ].join('\n'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const mapping = result.document.mappings[0];
    expect(mapping?.mfaMaxAgeSeconds).toBe(900);
    expect(mapping?.approval?.approverMfaMaxAge).toBe('1h30m');
    expect(approvalPolicyOf(mapping?.approval)?.approverMfaMaxAgeSeconds).toBe(5400);
    expect(parseAccessYaml(renderAccessYaml(result.document))).toEqual(result);
  });

  it('when approverMfaMaxAge is absent, then approvers need an MFA sign-in of at most an hour', () => {
    expect(approvalPolicyOf({ approverGroups: ['leads'], maxGrant: '4h' })?.approverMfaMaxAgeSeconds).toBe(3600);
    // A stored policy with a broken age fails closed (the mapping cannot be requested).
    expect(approvalPolicyOf({ approverGroups: ['leads'], maxGrant: '4h', approverMfaMaxAge: 'soon' })).toBeUndefined();
  });

  it('when the values are wrong, then each problem names its line and column', () => {
    const result = parseAccessYaml(
      [
        ...head,
        '    mfaMaxAgeSeconds: 30',
        '  - group: ops',
        '    role: arn:aws:iam::111111111111:role/Dev',
        '    mfaMaxAgeSeconds: 600',
        '  - group: leads',
        '    role: arn:aws:iam::111111111111:role/Dev',
        '    access: eligible',
        '    approval:',
        '      approverGroups: [leads]',
        '      maxGrant: 4h',
        '      approverMfaMaxAge: 3d',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => formatProblem(p, 'access.yaml'))).toEqual([
      expect.stringMatching(/^access\.yaml:11:23 mappings\[0\]\.mfaMaxAgeSeconds: expected 60 to 86400 seconds/),
      expect.stringMatching(/^access\.yaml:11:\d+ mappings\[0\]\.mfaMaxAgeSeconds: mfaMaxAgeSeconds needs requireMfa: true/),
      expect.stringMatching(/^access\.yaml:14:\d+ mappings\[1\]\.mfaMaxAgeSeconds: mfaMaxAgeSeconds needs requireMfa: true/),
      expect.stringMatching(/^access\.yaml:21:26 mappings\[2\]\.approval\.approverMfaMaxAge: expected a duration from 1m to 1d/),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { formatProblem, parseAccessYaml } from '../../../src/features/admin/access-file.js';

const HEAD = [
  'version: 1',
  'accounts:',
  "  - id: '111111111111'",
  '    alias: sandbox',
  "  - id: '222222222222'",
  '    alias: gov',
  '    partition: aws-us-gov',
  '    region: us-gov-west-1',
  'roles:',
  '  - arn: arn:aws:iam::111111111111:role/Admin',
  '    mode: assume-role',
  'mappings:',
  '  - group: auditors',
  '    role: arn:aws:iam::111111111111:role/Admin',
];

function problems(lines: string[]): string[] {
  const result = parseAccessYaml([...HEAD, ...lines].join('\n'));
  if (result.ok) return [];
  return result.problems.map((p) => formatProblem(p, 'access.yaml'));
}

const READ_ONLY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}';

describe('mapping session policies in the access file', () => {
  it('when the policy is a YAML object, JSON text, ARNs and a description, then it is kept as compact JSON', () => {
    for (const policy of [
      [
        '    sessionPolicy:',
        "      Version: '2012-10-17'",
        '      Statement:',
        '        - Effect: Allow',
        '          Action: [s3:Get*, s3:List*]',
        "          Resource: '*'",
      ],
      [`    sessionPolicy: '${READ_ONLY}'`],
    ]) {
      const result = parseAccessYaml(
        [
          ...HEAD,
          ...policy,
          '    sessionPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::111111111111:policy/team/NoIam]',
          '    sessionPolicyDescription: read-only use of Admin',
        ].join('\n'),
      );
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.document.mappings[0]).toMatchObject({
        sessionPolicy: READ_ONLY,
        sessionPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::111111111111:policy/team/NoIam'],
        sessionPolicyDescription: 'read-only use of Admin',
      });
    }
  });

  it('when the policy text is not JSON, then the problem is at the value, with the JSON error', () => {
    expect(problems(["    sessionPolicy: '{\"Version\": \"2012-10-17\",'"])).toEqual([
      expect.stringMatching(/^access\.yaml:15:20 mappings\[0\]\.sessionPolicy: sessionPolicy is not valid JSON: /),
    ]);
  });

  it('when the policy is not an IAM policy document, then the problem names what is missing', () => {
    expect(problems(['    sessionPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Resource: "*"}]}'])).toEqual([
      'access.yaml:15:20 mappings[0].sessionPolicy: sessionPolicy Statement[0] needs exactly one of Action or NotAction',
    ]);
    expect(problems(['    sessionPolicy: {Statement: []}'])).toEqual([
      'access.yaml:15:20 mappings[0].sessionPolicy: sessionPolicy needs "Version": "2012-10-17"',
    ]);
  });

  it('when the policy is over 2,048 characters as compact JSON, then it is refused with its size', () => {
    const actions = Array.from({ length: 200 }, (_, i) => `s3:Action${String(i)}`).join(', ');
    expect(problems([`    sessionPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: [${actions}], Resource: "*"}]}`])).toEqual([
      expect.stringMatching(/^access\.yaml:15:20 mappings\[0\]\.sessionPolicy: sessionPolicy is \d+ characters as compact JSON; STS accepts at most 2048$/),
    ]);
  });

  it('when an ARN is malformed, from another partition, repeated, or there are more than 10, then each is refused where it stands', () => {
    expect(
      problems([
        '    sessionPolicyArns:',
        '      - arn:aws:iam::111111111111:role/NotAPolicy',
        '      - arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess',
        '      - arn:aws:iam::aws:policy/ReadOnlyAccess',
        '      - arn:aws:iam::aws:policy/ReadOnlyAccess',
      ]),
    ).toEqual([
      'access.yaml:16:9 mappings[0].sessionPolicyArns[0]: arn:aws:iam::111111111111:role/NotAPolicy is not a managed policy ARN (expected ":policy/<name>")',
      "access.yaml:17:9 mappings[0].sessionPolicyArns[1]: arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess is in partition aws-us-gov but the role's account is in aws",
      'access.yaml:19:9 mappings[0].sessionPolicyArns[3]: arn:aws:iam::aws:policy/ReadOnlyAccess is listed twice',
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::111111111111:policy/P${String(i)}`).join(', ');
    expect(problems([`    sessionPolicyArns: [${eleven}]`])).toEqual([
      'access.yaml:15:24 mappings[0].sessionPolicyArns: STS accepts at most 10 session policy ARNs',
    ]);
  });

  it('when a description has no policy to describe, then it is refused', () => {
    expect(problems(['    sessionPolicyDescription: read-only'])).toEqual([
      'access.yaml:15:31 mappings[0].sessionPolicyDescription: describes a session policy, but the mapping has no sessionPolicy or sessionPolicyArns',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { readYamlQuickly } from '../../../src/features/admin/quick-yaml.js';
import { formatProblem, parseAccessYaml, parseAccessYamlWithPositions, renderAccessYaml } from '../../../src/features/admin/access-file.js';

describe('parseAccessYaml', () => {
  it('when a value is wrong, then the problem carries the line and column of that value', () => {
    const result = parseAccessYaml(
      [
        'version: 1',
        'accounts:',
        "  - id: '111111111111'",
        '    alias: sandbox',
        'roles:',
        '  - arn: arn:aws:iam::111111111111:role/Dev',
        '    mode: assume-role',
        '    maxSessionSeconds: 99',
        'mappings:',
        '  - group: dev',
        '    role: arn:aws:iam::111111111111:role/Missing',
        '    colour: blue',
      ].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => formatProblem(p, 'access.yaml'))).toEqual([
      expect.stringMatching(/^access\.yaml:8:24 roles\[0\]\.maxSessionSeconds: /),
      'access.yaml:11:11 mappings[0].role: role is not listed under roles',
      'access.yaml:12:13 mappings[0].colour: unknown key "colour"',
    ]);
  });

  it('when an account names a revoker, then it is kept and exported again; a revoker elsewhere or a bad ExternalId is refused with its position', () => {
    const good = [
      'version: 1',
      'accounts:',
      "  - id: '111111111111'",
      '    alias: sandbox',
      '    revoker:',
      '      roleArn: arn:aws:iam::111111111111:role/RolegateRevoker',
      '      externalId: rolegate-7f3a91c2',
    ].join('\n');
    const parsed = parseAccessYaml(good);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.document.accounts[0]?.revoker).toEqual({
      roleArn: 'arn:aws:iam::111111111111:role/RolegateRevoker',
      externalId: 'rolegate-7f3a91c2',
    });
    const again = parseAccessYaml(renderAccessYaml(parsed.document));
    expect(again.ok && again.document.accounts[0]?.revoker).toEqual(parsed.document.accounts[0]?.revoker);

    const bad = parseAccessYaml(good.replace('rolegate-7f3a91c2', 'x'));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => formatProblem(p, 'access.yaml'))).toEqual([
      expect.stringMatching(/^access\.yaml:7:19 accounts\[0\]\.revoker\.externalId: expected 2-1224 characters/),
    ]);
    const elsewhere = parseAccessYaml(
      good.replace('aws:iam::111111111111:role/RolegateRevoker', 'aws:iam::222222222222:role/RolegateRevoker'),
    );
    expect(elsewhere.ok).toBe(false);
    if (!elsewhere.ok)
      expect(elsewhere.problems.map((p) => formatProblem(p, 'access.yaml'))).toEqual([
        'access.yaml:6:16 accounts[0].revoker.roleArn: the revoker role must be in account 111111111111',
      ]);
  });

  it('when the file is empty (or only comments), then it is refused rather than read as "remove everything"', () => {
    for (const text of ['', '# nothing yet\n']) {
      const result = parseAccessYaml(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems[0]?.message).toMatch(/the file is empty/);
    }
    expect(parseAccessYaml('version: 1\n').ok).toBe(true);
  });

  it('when the YAML itself is broken, then the syntax error is positioned', () => {
    const result = parseAccessYaml('accounts:\n  - id: "1\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('when an account id is an unquoted number, then it is refused with a hint to quote it', () => {
    const result = parseAccessYaml('accounts:\n  - id: 111111111111\n    alias: sandbox\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(formatProblem(result.problems[0] ?? { path: '', message: '' })).toMatch(/^2:9 accounts\[0\]\.id: .*quote it/);
  });

  it('when the demo file is exported again, then it parses to the same document', () => {
    const parsed = parseAccessYaml(readFileSync(new URL('../../../config/demo-access.yaml', import.meta.url), 'utf8'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const again = parseAccessYaml(renderAccessYaml(parsed.document));
    expect(again).toEqual(parsed);
  });
});

/**
 * parseAccessYaml reads valid files with js-yaml (fast) and falls back to
 * `yaml` (the reference, with positions). Both readers must agree on every
 * value a file can hold, or a file would mean something else depending on the
 * path it took: each case here is read both ways.
 */
describe('parseAccessYaml, the quick reader against the reference', () => {
  const withSetting = (value: string) =>
    [
      'version: 1',
      'identityProviders:',
      '  - slug: corp',
      '    displayName: Corp',
      '    kind: oidc',
      '    settings:',
      `      v: ${value.replace(/\n/g, '\n        ')}`,
      "      'quoted key': 1",
      'accounts: []',
    ].join('\n') + '\n';
  const scalars = [
    ...[
      '1_000',
      '0b101',
      '0o17',
      '0o19',
      '0x1F',
      '0X1F',
      '012',
      '+12',
      '-0',
      '-012',
      '1e3',
      '1E3',
      '1.',
      '.5',
      '-.5e-3',
      '1.5e+3',
      '6.02e23',
    ],
    ...['123456789012', '123456789012345678901234567890', '1e400', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', '.NAN', 'NaN', 'inf'],
    ...['~', 'null', 'Null', 'NULL', 'nULL', '', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'Yes'],
    ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '12:30:00', '190:20:30', '1:20', '0:0:1.5'],
    ...['"quoted\\ttab"', "'single ''quote'''", '"\\u00e9\\x41\\N\\_\\L\\P"', '"\\uD83D\\uDE00"', '"a\\\nb"', '"#not a comment"'],
    ...['plain # a comment', 'a:b', 'a :b', 'http://x.example/a?b=c#d', '-dash', '- dash', '"- dash"', '@at', '`tick`', '%pct'],
    ...['|\nline one\nline two\n', '>-\nfolded\ntext\n\nnext\n', '|+\nkeep\n\n', '|2\n   indented\n', '>\n more\n  indented\nback\n'],
    ...['plain\nmulti line\nscalar', '"double\nmulti  line"', "'single\n\nparagraph'"],
    ...['[a, b, {c: d}]', '{a: 1, b: [2, 3], "c": null}', '[]', '{}', '[a, [b, [c]]]', '{? a : b}', '{a, b: c}', '[a: b]'],
    ...[
      '\n- one\n- two\n-\n- - nested',
      '\nk: v\nk2:\n  - 1\n  - 2',
      '\n__proto__: {polluted: true}',
      '\n<<: {a: 1}\nb: 2',
      '\n~: null key',
    ],
    ...['\n? complex\n: value', '\n"k": 1\n\'k2\': 2', '\nk: v # comment\n# whole line\nk3: 3', '\nk: &a anchored', '\nk: &a [1, 2]'],
  ];

  it.each(scalars)('%j reads the same both ways', (value) => {
    const text = withSetting(value);
    expect(parseAccessYaml(text)).toEqual(parseAccessYamlWithPositions(text));
    const quick = readYamlQuickly(text);
    if (quick !== undefined) expect(quick).toEqual(parseYaml(text));
  });

  it('when the cases above are read, then nearly all take the quick reader (the comparison is not vacuous)', () => {
    const quick = scalars.filter((value) => readYamlQuickly(withSetting(value)) !== undefined);
    expect(quick.length).toBeGreaterThan(scalars.length * 0.85);
  });

  it('when a file holds tags, aliases, duplicate keys or several documents, then the reference decides, with positions', () => {
    const cases = [
      withSetting('!!int "12"'),
      withSetting('!!binary aGVsbG8='),
      withSetting('!local x'),
      withSetting('\na: &x [1, 2]\nb: *x'),
      'version: 1\naccounts: []\naccounts: []\n',
      'version: 1\n---\nversion: 1\n',
      'version: 1\naccounts: [\n',
      '\t\tversion: 1\n',
    ];
    for (const text of cases) expect(parseAccessYaml(text)).toEqual(parseAccessYamlWithPositions(text));
    const duplicate = parseAccessYaml(cases[4] ?? '');
    expect(duplicate.ok).toBe(false);
    if (!duplicate.ok) expect(duplicate.problems[0]?.line).toBe(3);
  });

  it('when a file expands aliases exponentially, then it is refused without being expanded', () => {
    const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const result = parseAccessYaml(bomb.join('\n') + '\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.message).toMatch(/alias/i);
  });

  it('when whole files are read, then both readers give the same document: the demo, the docs examples and a generated company', async () => {
    const { largeCompany, renderAccessFile } = await import('../../../bench/fixtures/large-company.mjs');
    const files = [
      readFileSync(new URL('../../../config/demo-access.yaml', import.meta.url), 'utf8'),
      renderAccessFile(largeCompany({ accounts: 50, mappings: 120, aliceRoles: 10 }).document),
      ...[...readFileSync(new URL('../../../docs/access-as-code.md', import.meta.url), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
        (m) => m[1] ?? '',
      ),
    ];
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const text of files) {
      expect(readYamlQuickly(text)).toEqual(parseYaml(text));
      expect(parseAccessYaml(text)).toEqual(parseAccessYamlWithPositions(text));
    }
  });
});

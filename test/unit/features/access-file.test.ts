import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatProblem, parseAccessYaml, renderAccessYaml } from '../../../src/features/admin/access-file.js';

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

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatVariables, fishQuote, pwshQuote, shQuote } from '../../../src/cli/shell-formats.js';


/** Values a hostile or broken broker could send: each must come out of the shell byte for byte, never run. */
const HOSTILE = [
  "it's",
  '$(touch /tmp/rolegate-pwned)',
  '`touch /tmp/rolegate-pwned`',
  '"; touch /tmp/rolegate-pwned; "',
  '\\',
  "\\'",
  '${HOME}',
  '%s %n',
  'a;b&c|d>e',
  '‘curly’',
];

describe('formatVariables', () => {
  for (const [program, format] of [
    ['sh', 'sh'],
    ['bash', 'sh'],
    ['zsh', 'sh'],
    ['fish', 'fish'],
  ] as const) {
    it(`when ${program} evaluates hostile values, then it holds them literally and runs nothing`, () => {
      const set = HOSTILE.map((value, i): [string, string] => [`V${String(i)}`, value]);
      const script = formatVariables(format, { set, unset: ['NOT_SET'] });
      const print = HOSTILE.map((_, i) => `printf '%s\\n' "$V${String(i)}"`).join('; ');
      const result = spawnSync(
        program,
        ['-c', format === 'fish' ? `${script}\n${print.replace(/"\$(V\d+)"/g, '"$$$1"')}` : `${script}\n${print}`],
        {
          encoding: 'utf8',
        },
      );
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`${HOSTILE.join('\n')}\n`);
    });
  }

  it('when values are quoted, then each quoting is the shell’s own', () => {
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
    expect(fishQuote("a'b\\c")).toBe(`'a\\'b\\\\c'`);
    expect(pwshQuote("a'b’c")).toBe(`'a''b’’c'`);
  });

  it('when a dotenv value would need quoting, then it is refused rather than written', () => {
    expect(formatVariables('dotenv', { set: [['A', 'abc/+=:']], unset: ['B'] })).toBe('A=abc/+=:\n');
    expect(() => formatVariables('dotenv', { set: [['A', 'a b']], unset: [] })).toThrow('cannot be written to a dotenv file');
  });
});

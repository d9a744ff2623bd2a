import { describe, expect, it } from 'vitest';
import { csvField, csvLine } from '../../../src/domain/csv.js';

describe('CSV evidence fields', () => {
  it('when a field holds a comma, a quote or a line break, then it is quoted with quotes doubled (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
  });

  it('when a field starts like a formula (=, +, -, @, tab, CR), then it is prefixed with a quote mark so a spreadsheet shows it as text', () => {
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(csvField('-2')).toBe("'-2");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    // Numbers are numbers: a negative count is not a formula.
    expect(csvField(-2)).toBe('-2');
  });

  it('when a line is written, then empty values are empty fields and the line ends in CRLF', () => {
    expect(csvLine(['a', null, undefined, 3, true])).toBe('a,,,3,true\r\n');
  });
});

/**
 * CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes
 * doubled; lines end in CRLF), safe to open in a spreadsheet: a field that
 * starts with =, +, -, @, a tab or a carriage return is prefixed with `'`, so
 * it is shown as text rather than run as a formula (OWASP "CSV Injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: readonly (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

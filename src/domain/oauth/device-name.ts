const MAX = 64;

/**
 * The name a CLI gives its machine (its hostname by default), shown on the
 * portal's list of CLI sessions and on the device confirmation page. It is
 * the client's claim, not a fact: printable characters only, at most 64.
 */
export function deviceNameFrom(value: unknown): string {
  if (typeof value !== 'string') return 'unnamed device';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we drop
  const cleaned = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
  if (cleaned.length === 0) return 'unnamed device';
  return Array.from(cleaned).slice(0, MAX).join('');
}

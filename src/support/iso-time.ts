/**
 * `new Date(ms).toISOString()`, remembered for the last few hundred instants
 * asked: a cached credentials answer states the same expiry in its body and
 * its audit row, for every request served from the same entry, and each
 * conversion costs about half a microsecond.
 */
export function isoTimeOf(ms: number): string {
  let text = recent.get(ms);
  if (text === undefined) {
    if (recent.size >= MAX_REMEMBERED) recent.clear();
    text = new Date(ms).toISOString();
    recent.set(ms, text);
  }
  return text;
}

const MAX_REMEMBERED = 512;
const recent = new Map<number, string>();

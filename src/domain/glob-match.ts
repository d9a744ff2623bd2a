/**
 * Case-sensitive glob matching for group mappings: `*` matches any run of
 * characters (including none), `?` exactly one; every other character,
 * including regex metacharacters and backslashes, matches only itself. No
 * regular expression is ever built from a pattern (no injection, no ReDoS):
 * this is the classic linear-backtracking wildcard algorithm, O(pattern ×
 * value) in the worst case.
 */
const SURROGATE = /[\uD800-\uDFFF]/;

export function globMatch(pattern: string, value: string): boolean {
  // Compare by code point so that `?` matches one character, not half a surrogate pair
  // (strings without surrogates are indexed directly: same answer, no allocation).
  const p = SURROGATE.test(pattern) ? Array.from(pattern) : pattern;
  const v = SURROGATE.test(value) ? Array.from(value) : value;
  let pi = 0;
  let vi = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc !== undefined && pc !== '*' && (pc === '?' || pc === v[vi])) {
      pi++;
      vi++;
    } else if (pc === '*') {
      starAt = pi++;
      resumeAt = vi;
    } else if (starAt !== -1) {
      pi = starAt + 1;
      vi = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Whether a group name matches a mapping's group, exactly or as a glob. */
export function groupMatches(match: 'exact' | 'glob', pattern: string, group: string): boolean {
  return match === 'exact' ? pattern === group : globMatch(pattern, group);
}

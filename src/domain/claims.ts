/**
 * Reads a claim by name or dotted path: a literal key first (claim names such
 * as `https://example.com/groups` or `cognito:groups` may contain dots or
 * colons), then a walk through nested objects (`realm_access.roles`).
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const MAX_GROUPS = 1000;
const MAX_GROUP_LENGTH = 512;

/**
 * Group names from a claim or attribute value: an array of strings, or one
 * string (some IdPs send a single group as a scalar). Deduplicated, order
 * kept; non-strings and empty strings are dropped. Space-separated strings are
 * NOT split: a group name may contain spaces.
 */
export function groupsFrom(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const seen = new Set<string>();
  for (const item of values) {
    if (typeof item !== 'string' || item.length === 0 || item.length > MAX_GROUP_LENGTH) continue;
    seen.add(item);
    if (seen.size >= MAX_GROUPS) break;
  }
  return [...seen];
}

/** The first non-empty string of a claim value (a string or an array of strings). */
export function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (Array.isArray(value)) return value.find((v): v is string => typeof v === 'string' && v.length > 0);
  return undefined;
}

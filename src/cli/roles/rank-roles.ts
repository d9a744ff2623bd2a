/**
 * How well `query` matches `text` as a fuzzy subsequence (fzf-like): every
 * query character must appear in order, case-insensitively; consecutive
 * characters and characters at the start of a word (after `/`, `-`, `_`,
 * `.`, a space or a lower-to-upper case change) score more. -1 when it does
 * not match; 0 for an empty query.
 */
export function fuzzyScore(query: string, text: string): number {
  const q = query.toLowerCase().replace(/\s+/g, '');
  if (q === '') return 0;
  const lower = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const char of q) {
    const at = lower.indexOf(char, from);
    if (at === -1) return -1;
    const before = text[at - 1] ?? '';
    const boundary = at === 0 || /[/\-_. ]/.test(before) || (/[a-z]/.test(before) && /[A-Z]/.test(text[at] ?? ''));
    score += 1 + (at === previous + 1 ? 3 : 0) + (boundary ? 2 : 0);
    previous = at;
    from = at + 1;
  }
  // Shorter texts win ties: `sandbox/Dev` over `sandbox/DevOpsAdministrator` for "dev".
  return score - text.length / 1000;
}

export interface Rankable {
  /** What the user sees and types against: `alias/role`. */
  label: string;
  /** Also searched (account id, description), at a lower weight. */
  extra: string;
  frecency: number;
}

/**
 * The items that match `query`, best first: the fuzzy score of the label
 * (or, at half weight, of the extra text), plus the frecency; with no query,
 * by frecency, then alphabetically.
 */
export function rankRoles<T extends Rankable>(items: readonly T[], query: string): T[] {
  const scored = items.flatMap((item) => {
    const label = fuzzyScore(query, item.label);
    const extra = fuzzyScore(query, item.extra);
    const match = Math.max(label, extra >= 0 ? extra / 2 : -1);
    if (match < 0) return [];
    return [{ item, score: match + Math.log2(1 + item.frecency) * 2 }];
  });
  return scored.sort((a, b) => b.score - a.score || a.item.label.localeCompare(b.item.label)).map((s) => s.item);
}

/**
 * Edits `~/.aws/config` text: rolegate owns the profiles it wrote — each
 * marked by a comment line right above its `[profile …]` header naming the
 * broker — and never touches anything else (other profiles, `[default]`,
 * `[sso-session …]`, `[services …]`, comments, blank lines, line endings).
 * Pure: no I/O.
 */

export interface ManagedProfile {
  /** The profile name (without `profile `). */
  name: string;
  /** `key = value` lines. */
  settings: [string, string][];
}

export interface ConfigUpdate {
  text: string;
  added: string[];
  updated: string[];
  unchanged: string[];
  /** Profiles of this broker that are no longer entitled. */
  removed: string[];
  /** Wanted, but a profile of that name exists that rolegate did not write: left alone. */
  skipped: string[];
}

const MARKER_PREFIX = '# managed by rolegate';
const MARKER = /^#\s*managed by rolegate \(([^)]*)\)/;
const PROFILE_HEADER = /^\s*\[\s*profile\s+([^\]\s]+)\s*\]\s*$/;
const DEFAULT_HEADER = /^\s*\[\s*default\s*\]\s*$/;

export function markerFor(broker: string): string {
  return `${MARKER_PREFIX} (${broker}): \`rolegate configure\` rewrites or removes this profile`;
}

interface Block {
  start: number;
  /** Exclusive. */
  end: number;
  name: string;
  broker: string;
}

/** Brings the config text to exactly `profiles` for `broker`, keeping everything not ours byte for byte. */
export function updateAwsConfig(text: string, broker: string, profiles: ManagedProfile[]): ConfigUpdate {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const blocks = managedBlocks(lines);
  const managedLines = new Set(blocks.flatMap((b) => range(b.start, b.end)));
  const foreignNames = new Set<string>();
  lines.forEach((line, i) => {
    if (managedLines.has(i)) return;
    const name = PROFILE_HEADER.exec(line)?.[1] ?? (DEFAULT_HEADER.test(line) ? 'default' : undefined);
    if (name !== undefined) foreignNames.add(name);
  });
  // Another broker's block counts as foreign too: this run must not take it over.
  for (const b of blocks) if (b.broker !== broker) foreignNames.add(b.name);

  const result: ConfigUpdate = { text: '', added: [], updated: [], unchanged: [], removed: [], skipped: [] };
  const wanted = new Map<string, ManagedProfile>();
  for (const p of profiles) {
    if (foreignNames.has(p.name)) result.skipped.push(p.name);
    else wanted.set(p.name, p);
  }
  const emitted = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    const block = blocks.find((b) => b.start === i);
    if (!block) {
      out.push(lines[i] ?? '');
      i++;
      continue;
    }
    i = block.end;
    if (block.broker !== broker) {
      out.push(...lines.slice(block.start, block.end));
      continue;
    }
    const profile = wanted.get(block.name);
    if (profile && !emitted.has(block.name)) {
      const next = blockLines(broker, profile);
      const old = lines.slice(block.start, block.end);
      (sameLines(old, next) ? result.unchanged : result.updated).push(block.name);
      out.push(...next);
      emitted.add(block.name);
      continue;
    }
    result.removed.push(block.name);
    // Drop the blank line that separated the removed block, so blanks do not pile up.
    if ((out.length === 0 || out.at(-1)?.trim() === '') && lines[i]?.trim() === '') i++;
  }
  for (const profile of wanted.values()) {
    if (emitted.has(profile.name)) continue;
    if (out.length > 0 && out.at(-1)?.trim() !== '') out.push('');
    out.push(...blockLines(broker, profile));
    result.added.push(profile.name);
  }
  result.text = out.length === 0 ? '' : `${out.join(eol)}${eol}`;
  return result;
}

/** The marker, header and settings of a managed profile. */
function blockLines(broker: string, profile: ManagedProfile): string[] {
  return [markerFor(broker), `[profile ${profile.name}]`, ...profile.settings.map(([key, value]) => `${key} = ${value}`)];
}

/** Marker line, header, then the key and continuation lines up to the first blank, comment or header. */
function managedBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    const broker = MARKER.exec(lines[i] ?? '')?.[1];
    const name = PROFILE_HEADER.exec(lines[i + 1] ?? '')?.[1];
    if (broker === undefined || name === undefined) continue;
    let end = i + 2;
    while (end < lines.length && isSettingLine(lines[end] ?? '')) end++;
    blocks.push({ start: i, end, name, broker });
    i = end - 1;
  }
  return blocks;
}

function isSettingLine(line: string): boolean {
  const trimmed = line.trim();
  return trimmed !== '' && !trimmed.startsWith('#') && !trimmed.startsWith(';') && !trimmed.startsWith('[');
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/**
 * A line diff (longest common subsequence) for `--dry-run`: changed lines
 * with `-`/`+`, two lines of context, `…` for what is skipped.
 */
export function lineDiff(before: string, after: string): string {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/));
  const a = lines(before);
  const b = lines(after);
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] ?? [];
      row[j] = a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: [' ' | '-' | '+', string][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push([' ', a[i++] ?? '']);
      j++;
    } else if (i < a.length && (j >= b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push(['-', a[i++] ?? '']);
    } else {
      ops.push(['+', b[j++] ?? '']);
    }
  }
  const near = (k: number) => ops.slice(Math.max(0, k - 2), k + 3).some(([op]) => op !== ' ');
  const out: string[] = [];
  let skipped = false;
  ops.forEach(([op, line], k) => {
    if (op === ' ' && !near(k)) {
      if (!skipped) out.push('…');
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${op} ${line}`.trimEnd());
  });
  return ops.some(([op]) => op !== ' ') ? `${out.join('\n')}\n` : '';
}

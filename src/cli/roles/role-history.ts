import { readPrivateFile, writePrivateFile } from '../secure-files.js';

/** history.json: per broker and role, how often and when last it was used. */
interface HistoryFile {
  version: 1;
  entries: Record<string, { count: number; lastUsed: number }>;
}

/** Only the most used roles are kept. */
const MAX_ENTRIES = 200;

const keyOf = (broker: string, accountId: string, role: string) => `${broker} ${accountId}/${role}`;

function readHistory(file: string): HistoryFile {
  try {
    const parsed = JSON.parse(readPrivateFile(file) ?? '') as { version?: unknown; entries?: unknown } | null;
    if (parsed?.version === 1 && typeof parsed.entries === 'object' && parsed.entries !== null) return parsed as HistoryFile;
  } catch {
    // absent, torn or foreign: start again
  }
  return { version: 1, entries: {} };
}

/** Counts one use of a role (by account id). Best effort: never fails a command. */
export function recordUse(file: string, broker: string, accountId: string, role: string, now: number): void {
  try {
    const history = readHistory(file);
    const key = keyOf(broker, accountId, role);
    const entry = history.entries[key] ?? { count: 0, lastUsed: now };
    history.entries[key] = { count: entry.count + 1, lastUsed: now };
    const kept = Object.entries(history.entries)
      .sort(([, a], [, b]) => frecency(b, now) - frecency(a, now))
      .slice(0, MAX_ENTRIES);
    writePrivateFile(file, `${JSON.stringify({ version: 1, entries: Object.fromEntries(kept) })}\n`);
  } catch {
    // The history only orders the picker.
  }
}

/**
 * Frecency (as browsers rank history): the use count weighted by how
 * recent the last use was — this hour ×4, today ×2, this week ×1, this
 * month ×0.5, older ×0.25.
 */
export function frecency(entry: { count: number; lastUsed: number } | undefined, now: number): number {
  if (!entry) return 0;
  const hours = (now - entry.lastUsed) / 3_600_000;
  const weight = hours < 1 ? 4 : hours < 24 ? 2 : hours < 24 * 7 ? 1 : hours < 24 * 30 ? 0.5 : 0.25;
  return entry.count * weight;
}

/** A scorer for the picker: the frecency of each account id/role of `broker`. */
export function frecencyScores(file: string, broker: string, now: number): (accountId: string, role: string) => number {
  let history: HistoryFile;
  try {
    history = readHistory(file);
  } catch {
    history = { version: 1, entries: {} };
  }
  return (accountId, role) => frecency(history.entries[keyOf(broker, accountId, role)], now);
}

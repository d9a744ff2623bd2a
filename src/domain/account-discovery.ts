import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseRoleArn } from './arn.js';

/**
 * Account discovery (`rolegate accounts discover`, docs/access-as-code.md):
 * compares the accounts of an AWS Organization with the `accounts` of an access
 * file and proposes the file with new accounts added and suspended, closed or
 * departed ones removed (with their roles and mappings, so the file stays valid).
 *
 * The proposal is made by editing the original text at the ranges `yaml`'s
 * Document API reports, so every line it does not touch stays byte for byte
 * (re-serialising the Document would realign comments and requote scalars).
 * Each discovered account carries a marker comment on its `id:` line,
 * `# org: "<name>" <OU path>`, from which later runs tell renames and moves.
 */

/** `State` of an account (Organizations API reference, "Account"). */
export type OrganizationAccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_ACTIVATION' | 'PENDING_CLOSURE' | 'CLOSED';

export interface OrganizationAccount {
  id: string;
  name: string;
  state: OrganizationAccountState;
  /** `/` for the root, else `/Workloads/Prod`. */
  ouPath: string;
}

export type RemovalReason = 'suspended' | 'pending-closure' | 'closed' | 'not-in-organization';

export type DiscoveryFinding =
  | { kind: 'add'; id: string; alias: string; name: string; ouPath: string }
  | { kind: 'remove'; id: string; alias: string; reason: RemovalReason; roles: string[]; mappings: number }
  | { kind: 'renamed'; id: string; alias: string; from: string; to: string }
  | { kind: 'moved'; id: string; alias: string; from: string; to: string };

export interface DiscoveryOptions {
  /** Only accounts under this OU path are added or removed (default `/`: all). */
  ou?: string;
  /** Keep listed accounts that are not in the Organization (other organizations, standalone accounts). */
  keepAbsent?: boolean;
}

export type DiscoveryResult = { ok: true; text: string; findings: DiscoveryFinding[] } | { ok: false; problem: string };

const MARKER = /(^|\s)org: ("(?:[^"\\]|\\.)*") (\/.*?)\s*$/;
const MAX_ALIAS = 63;

/** The proposed file and what changed; pure: the Organization's accounts come in as data. */
export function proposeAccountChanges(text: string, org: readonly OrganizationAccount[], options: DiscoveryOptions = {}): DiscoveryResult {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0)
    return { ok: false, problem: `the access file is not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}` };
  if (doc.contents !== null && !isMap(doc.contents))
    return { ok: false, problem: 'the access file is not a YAML mapping (version, accounts, roles, mappings)' };
  const accounts = sectionOf(doc, 'accounts');
  const roles = sectionOf(doc, 'roles');
  const mappings = sectionOf(doc, 'mappings');
  for (const [name, seq] of [
    ['accounts', accounts],
    ['roles', roles],
    ['mappings', mappings],
  ] as const)
    if (seq !== undefined && seq.flow === true && seq.items.length > 0)
      return { ok: false, problem: `${name} is a flow sequence ([…]); discovery edits block sequences (one "- " item per entry)` };

  const scope = normalisePath(options.ou ?? '/');
  const inScope = (path: string) => scope === '/' || path === scope || path.startsWith(`${scope}/`);
  const byId = new Map(org.map((a) => [a.id, a]));
  const edits: Edit[] = [];
  const removals = new Map<YAMLSeq, YAMLMap[]>();
  const remove = (seq: YAMLSeq | undefined, item: YAMLMap) => {
    if (seq) removals.set(seq, [...(removals.get(seq) ?? []), item]);
  };
  const findings: DiscoveryFinding[] = [];
  const removedAccounts = new Map<string, Extract<DiscoveryFinding, { kind: 'remove' }>>();
  const aliases = new Set<string>();
  const listed = new Set<string>();

  for (const item of accounts?.items ?? []) {
    if (!isMap(item)) continue;
    const id = stringAt(item, 'id');
    const alias = stringAt(item, 'alias') ?? '';
    aliases.add(alias);
    if (id === undefined) continue;
    listed.add(id);
    const found = byId.get(id);
    const reason = found ? removalReason(found.state) : options.keepAbsent === true ? undefined : 'not-in-organization';
    if (reason !== undefined && (found === undefined || inScope(found.ouPath))) {
      const removal = { kind: 'remove' as const, id, alias, reason, roles: [] as string[], mappings: 0 };
      removedAccounts.set(id, removal);
      findings.push(removal);
      remove(accounts, item);
      continue;
    }
    if (!found) continue;
    const idNode = item.get('id', true);
    if (!isScalar(idNode) || !idNode.range) continue;
    const line = lineAround(text, idNode.range[1]);
    const marker = MARKER.exec(line.text);
    const markedName = marker ? (JSON.parse(marker[2] ?? '""') as string) : undefined;
    const markedPath = marker?.[3];
    if (markedName !== undefined && markedName !== found.name)
      findings.push({ kind: 'renamed', id, alias, from: markedName, to: found.name });
    if (markedPath !== undefined && markedPath !== found.ouPath)
      findings.push({ kind: 'moved', id, alias, from: markedPath, to: found.ouPath });
    const wanted = markerFor(found);
    if (marker?.[0].trim() !== wanted) edits.push({ start: line.start, end: line.end, insert: withMarker(line.text, marker, wanted) });
  }

  const removedRoles = new Set<string>();
  for (const item of roles?.items ?? []) {
    if (!isMap(item)) continue;
    const arn = stringAt(item, 'arn') ?? '';
    const parsed = parseRoleArn(arn);
    const removal = parsed.ok ? removedAccounts.get(parsed.value.accountId) : undefined;
    if (!removal) continue;
    removal.roles.push(arn);
    removedRoles.add(arn);
    remove(roles, item);
  }
  for (const item of mappings?.items ?? []) {
    if (!isMap(item)) continue;
    const role = stringAt(item, 'role') ?? '';
    if (!removedRoles.has(role)) continue;
    const parsed = parseRoleArn(role);
    const removal = parsed.ok ? removedAccounts.get(parsed.value.accountId) : undefined;
    if (removal) removal.mappings++;
    remove(mappings, item);
  }

  const additions = org
    .filter((a) => a.state === 'ACTIVE' && !listed.has(a.id) && inScope(a.ouPath))
    .sort((a, b) => a.ouPath.localeCompare(b.ouPath) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const added = additions.map((account) => {
    const alias = uniqueAlias(aliasFor(account.name, account.id), account.id, aliases);
    aliases.add(alias);
    findings.push({ kind: 'add', id: account.id, alias, name: account.name, ouPath: account.ouPath });
    return { account, alias };
  });
  if (added.length > 0) edits.push(insertAccounts(text, doc, accounts, added));
  for (const [seq, items] of removals) {
    const emptied = items.length === seq.items.length && !(seq === accounts && added.length > 0);
    if (emptied) edits.push(emptySection(text, doc, seq));
    else edits.push(...items.map((item) => removeItem(text, item)));
  }

  return { ok: true, text: applyEdits(text, edits), findings };
}

/** An alias from an account name: lowercase letters, digits, `.`, `_` and `-` (the access file's alias rule). */
export function aliasFor(name: string, id: string): string {
  const alias = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, MAX_ALIAS)
    .replace(/[-._]+$/, '');
  return alias === '' ? `account-${id}` : alias;
}

function uniqueAlias(base: string, id: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  const suffixed = `${base.slice(0, MAX_ALIAS - 5)}-${id.slice(-4)}`;
  return taken.has(suffixed) ? `${base.slice(0, MAX_ALIAS - 13)}-${id}` : suffixed;
}

function removalReason(state: OrganizationAccountState): RemovalReason | undefined {
  if (state === 'SUSPENDED') return 'suspended';
  if (state === 'PENDING_CLOSURE') return 'pending-closure';
  if (state === 'CLOSED') return 'closed';
  return undefined;
}

function normalisePath(path: string): string {
  const trimmed = `/${path
    .split('/')
    .filter((p) => p !== '')
    .join('/')}`;
  return trimmed;
}

const markerFor = (account: OrganizationAccount) => `org: ${JSON.stringify(account.name)} ${account.ouPath}`;

function withMarker(line: string, marker: RegExpExecArray | null, wanted: string): string {
  if (marker) return `${line.slice(0, marker.index)}${marker[1] ?? ''}${wanted}`;
  return line.includes(' #') ? `${line} · ${wanted}` : `${line}  # ${wanted}`;
}

function sectionOf(doc: Document, key: string): YAMLSeq | undefined {
  const node = isMap(doc.contents) ? doc.contents.get(key, true) : undefined;
  return isSeq(node) ? node : undefined;
}

function stringAt(map: YAMLMap, key: string): string | undefined {
  const value = map.get(key);
  return typeof value === 'string' ? value : undefined;
}

interface Edit {
  start: number;
  end: number;
  insert: string;
}

/** The line holding offset `at`, without its line break. */
function lineAround(text: string, at: number): { start: number; end: number; text: string } {
  const start = text.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
  const newline = text.indexOf('\n', at);
  const end = newline === -1 ? text.length : newline;
  return { start, end, text: text.slice(start, end) };
}

/** A sequence item's own lines: from its `- ` line to the end of the line its last value ends on. */
function removeItem(text: string, item: YAMLMap): Edit {
  const [start = 0, valueEnd = 0] = item.range ?? [];
  const first = lineAround(text, start);
  const last = lineAround(text, Math.max(start, valueEnd - 1));
  return { start: first.start, end: Math.min(text.length, last.end + 1), insert: '' };
}

/** Every item of a section goes: `key: []` (an absent or null list would not be a list). */
function emptySection(text: string, doc: Document, seq: YAMLSeq): Edit {
  const pair = isMap(doc.contents) ? doc.contents.items.find((p) => p.value === seq) : undefined;
  const keyRange = isScalar(pair?.key) ? pair.key.range : undefined;
  const last = seq.items.at(-1);
  if (!keyRange || !isMap(last)) return { start: 0, end: 0, insert: '' };
  const keyLine = lineAround(text, keyRange[0]);
  const end = removeItem(text, last).end;
  return {
    start: keyLine.start,
    end,
    insert: `${keyLine.text.replace(/:(\s*)(#.*)?$/, (_m, space: string, comment?: string) => `: []${comment ? `${space || ' '}${comment}` : ''}`)}\n`,
  };
}

function insertAccounts(
  text: string,
  doc: Document,
  seq: YAMLSeq | undefined,
  added: { account: OrganizationAccount; alias: string }[],
): Edit {
  const items = (seq?.items ?? []).filter(isMap);
  const lastItem = items.at(-1);
  const firstItem = items[0];
  let dash = '  ';
  let keys = '    ';
  if (firstItem?.range) {
    const line = lineAround(text, firstItem.range[0]);
    const column = firstItem.range[0] - line.start;
    dash = line.text.slice(0, line.text.indexOf('-'));
    keys = ' '.repeat(column);
  }
  const block = added
    .map(({ account, alias }) => `${dash}- id: '${account.id}'  # ${markerFor(account)}\n${keys}alias: ${scalar(alias)}\n`)
    .join('');
  if (lastItem?.range) {
    const end = lineAround(text, Math.max(lastItem.range[0], lastItem.range[1] - 1)).end;
    if (end >= text.length) return { start: text.length, end: text.length, insert: `\n${block}` };
    return { start: end + 1, end: end + 1, insert: block };
  }
  // No accounts yet: `accounts: []` becomes a block sequence; no key at all gets one before `roles:`.
  if (seq?.range) {
    const line = lineAround(text, seq.range[0]);
    return { start: line.start, end: line.end + 1, insert: `${line.text.slice(0, seq.range[0] - line.start).trimEnd()}\n${block}` };
  }
  const rolesKey = isMap(doc.contents) ? doc.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'roles') : undefined;
  const at = isScalar(rolesKey?.key) && rolesKey.key.range ? lineAround(text, rolesKey.key.range[0]).start : text.length;
  const prefix = at === text.length && text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  return { start: at, end: at, insert: `${prefix}accounts:\n${block}${at === text.length ? '' : '\n'}` };
}

/** A plain scalar when YAML reads it back as the same string, else single-quoted. */
function scalar(value: string): string {
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(value)
    ? value
    : `'${value.replace(/'/g, "''")}'`;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end))
    out = out.slice(0, edit.start) + edit.insert + out.slice(edit.end);
  return out;
}

import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import type { z } from 'zod';
import { accessDocumentSchema, type AccessDocument } from '../../domain/access-document.js';
import { readYamlQuickly } from './quick-yaml.js';

/** One problem in an access file, positioned when it came from YAML (1-based line and column). */
export interface AccessFileProblem {
  line?: number;
  column?: number;
  /** Where in the document: `mappings[3].role`. */
  path: string;
  message: string;
}

export type AccessFileResult = { ok: true; document: AccessDocument } | { ok: false; problems: AccessFileProblem[] };

const MAX_ALIASES = 100;

/**
 * Parses and validates an access file (YAML, which includes JSON). Every
 * problem is reported at once, with the line and column of the offending
 * value, so an operator can fix the file in one pass.
 *
 * A valid file is read by js-yaml (quick-yaml.ts), ~12× faster than `yaml`'s
 * document model (a 4.8 MB file of 20,000 roles: 0.2 s against 2.7 s). `yaml`
 * stays the reference and the only source of positions: whatever the quick
 * reader leaves to it, and every file with a problem, is read again by it, so
 * what is accepted and every message are what `yaml` alone gives
 * (test/unit/features/access-file.test.ts reads a table of cases both ways).
 */
export function parseAccessYaml(text: string): AccessFileResult {
  const quick = readYamlQuickly(text);
  if (quick !== undefined) {
    const result = parseAccessObject(quick);
    if (result.ok) return result;
  }
  return parseAccessYamlWithPositions(text);
}

/** The reference reader: `yaml`'s document model, which knows where every value came from. */
export function parseAccessYamlWithPositions(text: string): AccessFileResult {
  const result = parseYamlWithPositions(
    text,
    accessDocumentSchema,
    // An empty file would remove every account, role and mapping: say so rather than do it.
    'the file is empty (to remove everything, write `version: 1` and empty lists)',
  );
  return result.ok ? { ok: true, document: result.value } : result;
}

/**
 * Any YAML file validated by a schema, every problem with the line and column
 * of the offending value (access files; `rolegate test`'s tests files).
 */
export function parseYamlWithPositions<S extends z.ZodType>(
  text: string,
  schema: S,
  emptyMessage: string,
): { ok: true; value: z.output<S> } | { ok: false; problems: AccessFileProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const at = error.linePos?.[0];
        return { ...(at ? { line: at.line, column: at.col } : {}), path: '', message: error.message.split('\n')[0] ?? error.code };
      }),
    };
  }
  if (doc.contents === null) return { ok: false, problems: [{ line: 1, column: 1, path: '', message: emptyMessage }] };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES }) as unknown;
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: (error as Error).message }] };
  }
  return validateWith(schema, data ?? {}, (path) => positionIn(doc, lineCounter, path));
}

/** The line and column of the deepest node that exists on a path (an absent key points at its parent). */
export function positionIn(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const pos = lineCounter.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

/** Validates an already-parsed document (a JSON body): problems carry paths but no positions. */
export function parseAccessObject(data: unknown): AccessFileResult {
  return validate(data, () => ({}));
}

function validate(data: unknown, position: (path: PropertyKey[]) => { line?: number; column?: number }): AccessFileResult {
  const result = validateWith(accessDocumentSchema, data, position);
  return result.ok ? { ok: true, document: result.value } : result;
}

function validateWith<S extends z.ZodType>(
  schema: S,
  data: unknown,
  position: (path: PropertyKey[]) => { line?: number; column?: number },
): { ok: true; value: z.output<S> } | { ok: false; problems: AccessFileProblem[] } {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.flatMap((issue) => problemsOf(issue, position));
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, problems };
}

function problemsOf(issue: z.core.$ZodIssue, position: (path: PropertyKey[]) => { line?: number; column?: number }): AccessFileProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      ...position([...issue.path, key]),
      path: pathText([...issue.path, key]),
      message: `unknown key "${key}"`,
    }));
  }
  return [{ ...position(issue.path), path: pathText(issue.path), message: issue.message }];
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${String(p)}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** One line per problem: `access.yaml:12:5 mappings[3].role: role is not listed under roles`. */
export function formatProblem(problem: AccessFileProblem, source = ''): string {
  const where = problem.line === undefined ? source : `${source}${source ? ':' : ''}${String(problem.line)}:${String(problem.column ?? 1)}`;
  return [where, problem.path ? `${problem.path}:` : '', problem.message].filter((part) => part !== '').join(' ');
}

/** The document as YAML, as `rolegate export` writes it. */
export function renderAccessYaml(document: AccessDocument): string {
  const header = '# rolegate access model (docs/access-as-code.md). Apply with: rolegate apply -f <this file>\n';
  return header + stringify(document, { lineWidth: 0 });
}

/** One object as the part of an access file it belongs in (`mappings:` and the entry), for pasting into the file. */
export function renderAccessFragment(section: 'accounts' | 'roles' | 'mappings', entry: Record<string, unknown>): string {
  return stringify({ [section]: [entry] }, { lineWidth: 0 });
}

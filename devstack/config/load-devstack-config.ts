import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { IamWorld } from '../sts/model/iam-world.js';
import { devstackConfigSchema, type DevstackConfig } from './devstack-config-schema.js';

/** Values for the `{{rolegate.url}}` and `{{rolegate.issuerId}}` placeholders of a devstack file. */
export interface DevstackPlaceholders {
  /** rolegate's public URL, e.g. `http://localhost:8080` (no trailing slash). */
  rolegateUrl: string;
}

export class DevstackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the devstack configuration has ${String(problems.length)} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'DevstackConfigError';
  }
}

/**
 * The bundled demo world: devstack/devstack.yaml. Found from the repository root, two levels up,
 * both from these sources (devstack/config/) and from their build (dist-devstack/config/).
 */
export const DEFAULT_DEVSTACK_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../devstack/devstack.yaml');

/**
 * Reads and validates a devstack YAML file. Every problem is reported at once,
 * each naming its path and line: `accounts[0].roles[2].maxSessionDuration (line 31): expected …`.
 * Placeholders: `{{rolegate.url}}`, `{{rolegate.issuerId}}` (the URL without scheme),
 * and inside an account `{{account.id}}` and `{{account.partition}}`. Top-level `x-…` keys are
 * free for YAML anchors.
 */
export function loadDevstackConfig(path: string, placeholders: DevstackPlaceholders): { config: DevstackConfig; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DevstackConfigError([`${path}: cannot read: ${(error as Error).message}`]);
  }
  return { config: parseDevstackConfig(text, placeholders, path), baseDir: dirname(resolve(path)) };
}

export function parseDevstackConfig(text: string, placeholders: DevstackPlaceholders, name = 'devstack.yaml'): DevstackConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { uniqueKeys: true, lineCounter, merge: true });
  if (document.errors.length > 0)
    throw new DevstackConfigError(
      document.errors.map((e) => `${name} line ${String(e.linePos?.[0].line ?? '?')}: invalid YAML: ${e.message.split('\n')[0] ?? ''}`),
    );
  const problems: string[] = [];
  const raw = substitute(withoutExtensions(document.toJS({ maxAliasCount: 1000 }) as unknown), placeholders, [], problems);
  const lineOf = (path: PropertyKey[]) => {
    const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const parsed = devstackConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => formatIssue(issue, name, lineOf)));
  if (problems.length > 0 || !parsed.success) throw new DevstackConfigError(problems);
  try {
    IamWorld.fromConfig(parsed.data); // trust policies parse, or say which role is wrong
  } catch (error) {
    throw new DevstackConfigError([`${name}: ${(error as Error).message}`]);
  }
  return parsed.data;
}

function formatIssue(issue: z.core.$ZodIssue, name: string, lineOf: (path: PropertyKey[]) => number | undefined): string {
  const path =
    issue.path
      .map((p) => (typeof p === 'number' ? `[${String(p)}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '') || '(top level)';
  let line: number | undefined;
  for (let n = issue.path.length; n >= 0 && line === undefined; n--) line = lineOf(issue.path.slice(0, n));
  const keys = issue.code === 'unrecognized_keys' ? `: unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}` : '';
  return `${path} (${name}${line !== undefined ? ` line ${String(line)}` : ''}): ${issue.code === 'unrecognized_keys' ? 'not allowed' : issue.message}${keys}`;
}

const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

function substitute(
  value: unknown,
  placeholders: DevstackPlaceholders,
  path: string[],
  problems: string[],
  account?: Record<string, unknown>,
): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, key: string) => {
      const rolegateUrl = placeholders.rolegateUrl.replace(/\/+$/, '');
      const known: Record<string, string | undefined> = {
        'rolegate.url': rolegateUrl,
        'rolegate.issuerId': rolegateUrl.replace(/^https?:\/\//, ''),
        'account.id': typeof account?.id === 'string' ? account.id : undefined,
        'account.partition': typeof account?.partition === 'string' ? account.partition : account ? 'aws' : undefined,
      };
      const replacement = known[key];
      if (replacement === undefined)
        problems.push(`${path.join('.').replace(/\.\[/g, '[') || '(top level)'}: unknown placeholder ${whole}`);
      return replacement ?? whole;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, placeholders, [...path, `[${String(i)}]`], problems, account));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const inAccount = path.length === 2 && path[0] === 'accounts' ? record : account;
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        substitute(k, placeholders, path, problems, inAccount),
        substitute(v, placeholders, [...path, k], problems, inAccount),
      ]),
    );
  }
  return value;
}

/** Top-level `x-…` keys hold YAML anchors (shared trust policies) and are not part of the schema. */
function withoutExtensions(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([key]) => !key.startsWith('x-')));
}

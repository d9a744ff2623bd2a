import type { z } from 'zod';
import { listSettings, type Setting } from './settings.js';

// Renders docs/configuration.md and config/rolegate.example.yaml from the
// schema, so neither can drift from what rolegate actually accepts (a test
// compares the committed files with this output).

export function renderConfigurationMarkdown(schema: z.ZodType): string {
  const rows = listSettings(schema).map(
    (s) =>
      `| \`${s.key}\` | ${s.env.map((e) => `\`${e}\``).join(', ') || '—'} | ${formatDefault(s)} | ${s.description.replaceAll('|', '\\|')} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`. Do not edit by hand. -->',
    '',
    'rolegate reads one configuration object from environment variables and, optionally, a YAML file',
    'named by `ROLEGATE_CONFIG` (see [config/rolegate.example.yaml](../config/rolegate.example.yaml)).',
    'Environment variables win over the file. Empty variables count as unset. Every problem is reported at',
    'start-up, one line each, naming the key and where its value came from; rolegate then exits with code 78.',
    '',
    '| Key | Environment | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

export function renderExampleYaml(schema: z.ZodType): string {
  const lines = [
    '# rolegate configuration — every key, with its default.',
    '# Generated from src/config/schema.ts by `npm run docs:config`; docs/configuration.md has the same content.',
    '# Use it with ROLEGATE_CONFIG=config/rolegate.yaml. Environment variables override what is set here.',
  ];
  // Open mapping headers (a section, a group inside it). A mapping whose keys are all commented
  // out would parse as null: it is written as an empty mapping.
  const open: { path: string[]; index: number; hasValue: boolean }[] = [];
  const close = () => {
    const header = open.pop();
    if (header && !header.hasValue) lines[header.index] = `${lines[header.index] ?? ''} {}`;
  };
  for (const setting of listSettings(schema)) {
    const parents = setting.path.slice(0, -1);
    while (open.length > 0 && !startsWith(parents, open.at(-1)?.path ?? [])) close();
    if (parents.length === 0) lines.push('');
    for (let depth = open.length; depth < parents.length; depth++) {
      if (depth === 0) lines.push('');
      lines.push(`${'  '.repeat(depth)}${parents[depth] ?? ''}:`);
      open.push({ path: parents.slice(0, depth + 1), index: lines.length - 1, hasValue: false });
    }
    if (setting.defaultValue !== undefined) for (const header of open) header.hasValue = true;
    const indent = '  '.repeat(setting.path.length - 1);
    const name = setting.path.at(-1) ?? '';
    for (const line of wrap(setting.description, 100 - indent.length)) lines.push(`${indent}# ${line}`);
    if (setting.env.length > 0) lines.push(`${indent}# Environment: ${setting.env.join(', ')}`);
    lines.push(setting.defaultValue === undefined ? `${indent}# ${name}:` : `${indent}${name}: ${JSON.stringify(setting.defaultValue)}`);
  }
  while (open.length > 0) close();
  return `${lines.join('\n')}\n`;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => path[i] === part);
}

function formatDefault(setting: Setting): string {
  return setting.defaultValue === undefined ? '—' : `\`${JSON.stringify(setting.defaultValue)}\``;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + word.length + 1 > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One shell command shown in the documentation. */
export interface DocCommand {
  /** `README.md:109` — the file and the line the command starts on. */
  where: string;
  /** The command as shown, continuation lines joined, without a `$ ` prompt or a trailing comment. */
  command: string;
}

/** A fenced `sh`/`bash`/`shell` block: its commands, in order (they may depend on each other, e.g. `eval` then `aws`). */
export interface DocBlock {
  where: string;
  commands: DocCommand[];
}

/** README.md and every docs/*.md, in that order. */
export function documentationFiles(repoRoot: string): string[] {
  const docs = readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => path.join('docs', name));
  return ['README.md', ...docs];
}

/**
 * The shell blocks of a Markdown file. In a block where some lines start
 * with `$ `, only those are commands (the rest is output); otherwise every
 * line is. Full-line comments and blank lines are not commands; a line
 * ending in `\` continues on the next.
 */
export function shellBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i] ?? '')) continue;
    const start = i;
    const body: { line: number; text: string }[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push({ line: i + 1, text: lines[i] ?? '' });
    const prompted = body.some((l) => l.text.startsWith('$ '));
    const commands: DocCommand[] = [];
    for (let j = 0; j < body.length; j++) {
      const first = body[j];
      if (!first) continue;
      let text = first.text;
      if (prompted) {
        if (!text.startsWith('$ ')) continue;
        text = text.slice(2);
      }
      while (text.endsWith('\\') && j + 1 < body.length) text = `${text.slice(0, -1).trimEnd()} ${(body[++j]?.text ?? '').trim()}`;
      const command = withoutComment(text).trim();
      if (command === '') continue;
      commands.push({ where: `${file}:${String(first.line)}`, command });
    }
    blocks.push({ where: `${file}:${String(start + 1)}`, commands });
  }
  return blocks;
}

/** Drops a trailing `# comment` (a `#` after whitespace and outside quotes). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

export function allShellBlocks(repoRoot: string): DocBlock[] {
  return documentationFiles(repoRoot).flatMap((file) => shellBlocks(file, readFileSync(path.join(repoRoot, file), 'utf8')));
}

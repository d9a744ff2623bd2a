import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const srcCli = path.resolve(import.meta.dirname, '../../../src/cli');

/** Every file reached from `entry` by static imports (`import … from './x.js'`, `export … from`; not `import type`, which is erased), not by `await import()`. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gms)) {
      const target = path.resolve(path.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts'));
      visit(target);
    }
  };
  visit(entry);
  return seen;
}

describe('the offline commands are loaded only when they run', () => {
  it('when credential_process starts (main.ts and its static imports), then nothing of src/cli/offline or src/domain is loaded', () => {
    const graph = [...staticGraph(path.join(srcCli, 'main.ts'))].map((f) => path.relative(srcCli, f));
    expect(graph).toContain('commands/credential-process.ts');
    expect(graph.filter((f) => f.startsWith('offline/') || f.startsWith('../domain') || f.startsWith('../features'))).toEqual([]);
  });

  it('when any other command starts (program.ts), then src/cli/offline is still only reached through await import()', () => {
    const graph = [...staticGraph(path.join(srcCli, 'program.ts'))].map((f) => path.relative(srcCli, f));
    expect(graph.filter((f) => f.startsWith('offline/') || f.startsWith('../domain') || f.startsWith('../features'))).toEqual([]);
    const program = readFileSync(path.join(srcCli, 'program.ts'), 'utf8');
    expect(program).toContain("await import('./offline/diff-command.js')");
    expect(program).toContain("await import('./offline/test-command.js')");
  });

  it('when a command starts, then only its own module is loaded: program.ts reaches no other command by a static import', () => {
    const graph = [...staticGraph(path.join(srcCli, 'program.ts'))].map((f) => path.relative(srcCli, f));
    // credential-process is the fast path main.ts already loaded; completion and shell-init give the shells' names to --help.
    expect(graph.filter((f) => f.startsWith('commands/')).sort()).toEqual([
      'commands/completion.ts',
      'commands/credential-process.ts',
      'commands/shell-init.ts',
    ]);
  });
});

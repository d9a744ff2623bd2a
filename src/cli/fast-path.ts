/**
 * The first command word of argv (after `node main.js`), skipping the global
 * options (`--broker <url>`, `--broker=<url>`, `--debug`).
 */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--broker') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg;
  }
  return undefined;
}

/** Whether argv asks for `credential-process` (not its help): main.ts then skips commander and zod. */
export function isCredentialProcess(args: readonly string[]): boolean {
  return commandWord(args) === 'credential-process' && !args.includes('--help') && !args.includes('-h');
}

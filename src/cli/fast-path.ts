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

// Role names are parsed here, in a module the fast path loads anyway (every module costs start-up time).
/** An account (12-digit id or alias, as typed) and a role name. */
export interface RoleName {
  account: string;
  role: string;
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/;

/**
 * A short role name: `sandbox/Developer` (alias or account id, then the role),
 * or a role ARN. Undefined when `text` is neither.
 */
export function parseRoleName(text: string): RoleName | undefined {
  const arn = ROLE_ARN.exec(text);
  if (arn) return { account: arn[1] ?? '', role: arn[2] ?? '' };
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1 || text.indexOf('/', slash + 1) !== -1) return undefined;
  return { account: text.slice(0, slash), role: text.slice(slash + 1) };
}
